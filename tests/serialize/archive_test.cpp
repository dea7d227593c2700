// Checkpoints: round trips, atomic writes, and hostile files.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "ember/ember.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;

namespace {
std::string tmp_path(const std::string& name) {
  return ::testing::TempDir() + "/ember_" + name + "_" + std::to_string(::getpid());
}
std::string read_all(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
void write_all(const std::string& p, const std::string& b) {
  std::ofstream f(p, std::ios::binary);
  f << b;
}
}  // namespace

TEST(Serialize, TensorsRoundTrip) {
  std::string p = tmp_path("tensors");
  std::vector<Tensor> ts = {
      arange(6, kFloat).view({2, 3}), tensor({1, 2, 3}),     ones({2}, kHalf),
      zeros({0, 4}, kDouble),         tensor({true, false}), ones({}, kBFloat16).mul(3)};
  save(ts, p);
  std::vector<Tensor> back;
  load(back, p);
  ASSERT_EQ(back.size(), ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    EXPECT_EQ(back[i].dtype(), ts[i].dtype());
    EXPECT_TRUE(all_close(back[i], ts[i], 0, 0)) << i;
  }
  Tensor t = arange(12, kDouble).view({3, 4}).t();  // non-contiguous saves its values
  save(t, p);
  Tensor u;
  load(u, p);
  EXPECT_TRUE(all_close(u, t, 0, 0));
  std::remove(p.c_str());
}

TEST(Serialize, ModuleAndOptimizerResumeExactly) {
  auto make = [] {
    manual_seed(3);
    return nn::Sequential(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 2));
  };
  Tensor x = randn({16, 4}), y = randn({16, 2});
  auto step = [&](nn::Sequential& net, optim::Adam& opt) {
    opt.zero_grad();
    Tensor loss = (net->forward(x) - y).pow(2).mean();
    loss.backward();
    opt.step();
    return loss.item<double>();
  };
  // Uninterrupted: 6 steps.
  auto net1 = make();
  optim::Adam opt1(net1->parameters(), optim::AdamOptions(0.01));
  std::vector<double> ref;
  for (int i = 0; i < 6; ++i) ref.push_back(step(net1, opt1));
  // Interrupted after 3 steps, saved, resumed into fresh objects.
  std::string pm = tmp_path("model"), po = tmp_path("optim");
  auto net2 = make();
  optim::Adam opt2(net2->parameters(), optim::AdamOptions(0.01));
  for (int i = 0; i < 3; ++i) step(net2, opt2);
  save(net2, pm);
  save(opt2, po);
  auto net3 = make();
  optim::Adam opt3(net3->parameters(), optim::AdamOptions(0.01));
  load(net3, pm);
  load(opt3, po);
  for (int i = 3; i < 6; ++i) EXPECT_DOUBLE_EQ(step(net3, opt3), ref[i]) << i;
  std::remove(pm.c_str());
  std::remove(po.c_str());
}

TEST(Serialize, HostileFilesAreRejected) {
  std::string p = tmp_path("bad");
  save(std::vector<Tensor>{arange(10, kFloat)}, p);
  std::string good = read_all(p);
  std::vector<Tensor> out;
  // Truncated, flipped byte (CRC), bad magic, empty, missing file.
  for (size_t cut : {size_t(0), size_t(5), good.size() / 2, good.size() - 1}) {
    write_all(p, good.substr(0, cut));
    EXPECT_THROW(load(out, p), Error) << cut;
  }
  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x40;
  write_all(p, flipped);
  EXPECT_THROW(load(out, p), Error);
  std::string magic = good;
  magic[0] = 'X';
  write_all(p, magic);
  EXPECT_THROW(load(out, p), Error);
  EXPECT_THROW(load(out, tmp_path("does_not_exist")), Error);
  // Shape mismatch into a module leaves it unchanged.
  nn::Linear l(3, 2);
  Tensor before = l->weight.detach().clone();
  save(std::vector<Tensor>{ones({5})}, p);
  EXPECT_THROW(load(l, p), Error);
  EXPECT_TRUE(all_close(l->weight, before, 0, 0));
  std::remove(p.c_str());
}

TEST(Serialize, AtomicWriteKeepsPreviousFileOnFailure) {
  std::string p = tmp_path("atomic");
  save(ones({3}), p);
  std::string before = read_all(p);
  // A directory in the way of the temp file makes the write fail; the old file must survive.
  std::string blocker = p + ".tmp." + std::to_string(::getpid());
  ASSERT_EQ(::mkdir(blocker.c_str(), 0755), 0);
  EXPECT_THROW(save(zeros({3}), p), Error);
  ::rmdir(blocker.c_str());
  EXPECT_EQ(read_all(p), before);
  std::remove(p.c_str());
}
