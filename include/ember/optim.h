#pragma once
#include "ember/optim/adam.h"
#include "ember/optim/optimizer.h"
#include "ember/optim/schedulers.h"
#include "ember/optim/sgd.h"
