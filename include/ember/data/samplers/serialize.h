#pragma once
// archive << sampler / archive >> sampler.
#include "ember/data/samplers/base.h"
#include "ember/serialize.h"

namespace ember {
namespace data {
namespace samplers {

template <typename BatchRequest>
serialize::OutputArchive& operator<<(serialize::OutputArchive& archive,
                                     const Sampler<BatchRequest>& sampler) {
  sampler.save(archive);
  return archive;
}

template <typename BatchRequest>
serialize::InputArchive& operator>>(serialize::InputArchive& archive,
                                    Sampler<BatchRequest>& sampler) {
  sampler.load(archive);
  return archive;
}

}  // namespace samplers
}  // namespace data
}  // namespace ember
