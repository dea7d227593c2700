#pragma once
// IValue for checkpoints: the class lives in core (autograd's saved_data uses it too); this header
// is where serialization code and users of pt_load find it.
#include "ember/core/ivalue.h"
