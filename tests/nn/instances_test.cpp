// src/nn/instances.cpp: the clones that ember/nn/instances.h declares extern are instantiated in
// the library (a wrong entry fails to compile there); the qualified, non-virtual calls below link
// against the library's copies, which must deep-copy as Cloneable::clone promises.
#include <gtest/gtest.h>

#include <vector>

#include "ember/ember.h"

using namespace ember;

TEST(Instances, LibraryClonesDeepCopy) {
  manual_seed(0);
  nn::Sequential net(nn::Conv2d(nn::Conv2dOptions(1, 2, 3)), nn::BatchNorm2d(2), nn::ReLU(),
                     nn::Flatten(), nn::Linear(8, 3));
  // Sequential overrides clone() (children cloned one by one); they take the library's copies.
  auto copy = std::dynamic_pointer_cast<nn::SequentialImpl>(net->clone());
  ASSERT_TRUE(copy != nullptr);
  auto a = net->named_parameters(), b = copy->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].key(), b[i].key());
    EXPECT_TRUE(a[i].value().equal(b[i].value()));
    EXPECT_NE(a[i].value().data_ptr(), b[i].value().data_ptr());
  }
  // The copy's submodule handles are its own registered children.
  Tensor x = randn({2, 1, 4, 4});
  EXPECT_TRUE(net->forward(x).equal(copy->forward(x)));
  {
    NoGradGuard ng;
    copy->named_parameters()["4.weight"].fill_(0);
  }
  EXPECT_FALSE(net->forward(x).equal(copy->forward(x)));

  nn::Linear lin(3, 2);
  auto lin2 = std::dynamic_pointer_cast<nn::LinearImpl>(
      lin->nn::Cloneable<nn::LinearImpl>::clone());  // non-virtual: the library's instance
  ASSERT_TRUE(lin2 != nullptr);
  EXPECT_TRUE(lin2->weight.equal(lin->weight));
  EXPECT_NE(lin2->weight.data_ptr(), lin->weight.data_ptr());

  optim::AdamOptions opts(0.5);
  auto cloned = opts.optim::OptimizerCloneableOptions<optim::AdamOptions>::clone();
  EXPECT_EQ(cloned->get_lr(), 0.5);
  optim::SGDParamState st;
  st.momentum_buffer(ones({2}));
  auto st2 = static_cast<const optim::OptimizerParamState&>(st).clone();  // private, as libtorch
  EXPECT_TRUE(static_cast<optim::SGDParamState&>(*st2).momentum_buffer().equal(ones({2})));
}
