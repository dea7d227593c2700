#pragma once
// ember::data (torch::data): datasets, samplers, transforms and data loaders, as libtorch's.
#include "ember/data/dataloader.h"
#include "ember/data/datasets.h"
#include "ember/data/example.h"
#include "ember/data/iterator.h"
#include "ember/data/samplers.h"
#include "ember/data/transforms.h"
#include "ember/data/worker_exception.h"
