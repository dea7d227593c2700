#pragma once
#include "c10/util/compat.h"
