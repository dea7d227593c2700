// Trains a small CNN on Fashion-MNIST. Written as a plain libtorch program: it builds unchanged
// against libtorch and against ember (ember::torch).
//
//   fashion_mnist [--data DIR] [--epochs N] [--batch-size B] [--lr LR] [--out DIR] [--resume]
//                 [--threads T] [--workers W] [--seed S] [--max-steps N]
//
// Per epoch it prints the training loss, throughput and test accuracy, appends a row to
// OUT/metrics.csv, redraws OUT/curves.svg and writes a checkpoint (OUT/model.pt,
// OUT/optimizer.pt, OUT/epoch.pt). --resume continues from the last checkpoint; because every
// epoch reseeds the generator from (seed, epoch), a resumed run reproduces an uninterrupted one.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Args {
  std::string data = "/usr/share/datasets/fashion-mnist";
  std::string out = "fashion_mnist_out";
  int64_t epochs = 5;
  int64_t batch_size = 128;
  double lr = 1e-3;
  int64_t threads = 0;  // 0: library default
  int64_t workers = 2;
  int64_t seed = 0;
  int64_t max_steps = -1;  // per epoch; -1: whole epoch
  bool resume = false;
};

[[noreturn]] void usage(const char* argv0) {
  std::cerr << "usage: " << argv0
            << " [--data DIR] [--epochs N] [--batch-size B] [--lr LR] [--out DIR] [--resume]"
               " [--threads T] [--workers W] [--seed S] [--max-steps N]\n";
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(argv[0]);
      return argv[++i];
    };
    try {
      if (k == "--data") {
        a.data = value();
      } else if (k == "--out") {
        a.out = value();
      } else if (k == "--epochs") {
        a.epochs = std::stoll(value());
      } else if (k == "--batch-size") {
        a.batch_size = std::stoll(value());
      } else if (k == "--lr") {
        a.lr = std::stod(value());
      } else if (k == "--threads") {
        a.threads = std::stoll(value());
      } else if (k == "--workers") {
        a.workers = std::stoll(value());
      } else if (k == "--seed") {
        a.seed = std::stoll(value());
      } else if (k == "--max-steps") {
        a.max_steps = std::stoll(value());
      } else if (k == "--resume") {
        a.resume = true;
      } else {
        usage(argv[0]);
      }
    } catch (const std::logic_error&) {
      usage(argv[0]);
    }
  }
  if (a.epochs < 1 || a.batch_size < 1 || a.lr <= 0 || a.workers < 0) usage(argv[0]);
  return a;
}

struct NetImpl : torch::nn::Module {
  NetImpl()
      : conv1(register_module("conv1",
                              torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 32, 3).padding(1)))),
        conv2(register_module("conv2",
                              torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 3).padding(1)))),
        fc1(register_module("fc1", torch::nn::Linear(64 * 7 * 7, 128))),
        drop(register_module("drop", torch::nn::Dropout(0.25))),
        fc2(register_module("fc2", torch::nn::Linear(128, 10))) {}

  torch::Tensor forward(torch::Tensor x) {
    x = torch::max_pool2d(torch::relu(conv1->forward(x)), 2);  // 32x14x14
    x = torch::max_pool2d(torch::relu(conv2->forward(x)), 2);  // 64x7x7
    x = x.flatten(1);
    x = drop->forward(torch::relu(fc1->forward(x)));
    return fc2->forward(x);
  }

  torch::nn::Conv2d conv1;
  torch::nn::Conv2d conv2;
  torch::nn::Linear fc1;
  torch::nn::Dropout drop;
  torch::nn::Linear fc2;
};
TORCH_MODULE(Net);

struct Row {
  int64_t epoch;
  double train_loss;
  double train_acc;
  double test_loss;
  double test_acc;
  double seconds;
  double images_per_s;
};

std::vector<Row> read_metrics(const std::string& path) {
  std::vector<Row> rows;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    Row r{};
    char c = 0;
    std::istringstream s(line);
    if (s >> r.epoch >> c >> r.train_loss >> c >> r.train_acc >> c >> r.test_loss >> c >>
        r.test_acc >> c >> r.seconds >> c >> r.images_per_s) {
      rows.push_back(r);
    }
  }
  return rows;
}

void write_metrics(const std::string& path, const std::vector<Row>& rows) {
  std::ofstream out(path + ".tmp");
  out << "epoch,train_loss,train_acc,test_loss,test_acc,seconds,images_per_s\n";
  for (const auto& r : rows) {
    out << r.epoch << ',' << r.train_loss << ',' << r.train_acc << ',' << r.test_loss << ','
        << r.test_acc << ',' << r.seconds << ',' << r.images_per_s << '\n';
  }
  out.close();
  std::rename((path + ".tmp").c_str(), path.c_str());
}

// Two panels: loss (train, test) and accuracy (train, test) per epoch.
void write_svg(const std::string& path, const std::vector<Row>& rows) {
  const double W = 420, H = 300, L = 50, T = 30, PW = 340, PH = 220;
  std::ostringstream s;
  s << "<svg xmlns='http://www.w3.org/2000/svg' width='" << 2 * W << "' height='" << H
    << "' font-family='sans-serif' font-size='12'>\n<rect width='100%' height='100%' "
       "fill='white'/>\n";
  auto panel = [&](double x0, const char* title, auto get_train, auto get_test) {
    double lo = 1e300, hi = -1e300;
    for (const auto& r : rows) {
      lo = std::min({lo, get_train(r), get_test(r)});
      hi = std::max({hi, get_train(r), get_test(r)});
    }
    if (rows.empty()) lo = 0, hi = 1;
    if (hi - lo < 1e-9) hi = lo + 1e-3;
    double pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
    int64_t n = std::max<int64_t>(1, static_cast<int64_t>(rows.size()) - 1);
    auto px = [&](size_t i) {
      return x0 + L + PW * static_cast<double>(i) / static_cast<double>(n);
    };
    auto py = [&](double v) { return T + PH * (1 - (v - lo) / (hi - lo)); };
    s << "<text x='" << x0 + L << "' y='18'>" << title << "</text>\n";
    s << "<rect x='" << x0 + L << "' y='" << T << "' width='" << PW << "' height='" << PH
      << "' fill='none' stroke='#888'/>\n";
    s << "<text x='" << x0 + 4 << "' y='" << T + 10 << "'>" << std::setprecision(3) << hi
      << "</text><text x='" << x0 + 4 << "' y='" << T + PH << "'>" << lo << "</text>\n";
    s << "<text x='" << x0 + L + PW / 2 - 20 << "' y='" << T + PH + 20 << "'>epoch</text>\n";
    auto line = [&](auto get, const char* color, const char* name, double ly) {
      s << "<polyline fill='none' stroke='" << color << "' stroke-width='2' points='";
      for (size_t i = 0; i < rows.size(); ++i) s << px(i) << ',' << py(get(rows[i])) << ' ';
      s << "'/>\n<text x='" << x0 + L + PW - 60 << "' y='" << ly << "' fill='" << color << "'>"
        << name << "</text>\n";
    };
    line(get_train, "#1f77b4", "train", T + 16);
    line(get_test, "#d62728", "test", T + 32);
  };
  panel(
      0, "loss", [](const Row& r) { return r.train_loss; },
      [](const Row& r) { return r.test_loss; });
  panel(
      W, "accuracy", [](const Row& r) { return r.train_acc; },
      [](const Row& r) { return r.test_acc; });
  s << "</svg>\n";
  std::ofstream out(path + ".tmp");
  out << s.str();
  out.close();
  std::rename((path + ".tmp").c_str(), path.c_str());
}

bool exists(const std::string& path) { return std::ifstream(path).good(); }

}  // namespace

int main(int argc, char** argv) {
  Args args = parse(argc, argv);
  if (args.threads > 0) torch::set_num_threads(static_cast<int>(args.threads));
  std::system(("mkdir -p '" + args.out + "'").c_str());
  const std::string model_path = args.out + "/model.pt", optim_path = args.out + "/optimizer.pt",
                    epoch_path = args.out + "/epoch.pt", csv_path = args.out + "/metrics.csv",
                    svg_path = args.out + "/curves.svg";

  // Fashion-MNIST's pixel mean and standard deviation over the training set.
  const double kMean = 0.2860, kStd = 0.3530;
  auto train_set =
      torch::data::datasets::MNIST(args.data, torch::data::datasets::MNIST::Mode::kTrain)
          .map(torch::data::transforms::Normalize<>(kMean, kStd))
          .map(torch::data::transforms::Stack<>());
  auto test_set = torch::data::datasets::MNIST(args.data, torch::data::datasets::MNIST::Mode::kTest)
                      .map(torch::data::transforms::Normalize<>(kMean, kStd))
                      .map(torch::data::transforms::Stack<>());
  const int64_t train_size = static_cast<int64_t>(train_set.size().value());
  const int64_t test_size = static_cast<int64_t>(test_set.size().value());

  torch::manual_seed(args.seed);
  Net model;
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(args.lr));

  int64_t start_epoch = 1;
  std::vector<Row> rows;
  if (args.resume && exists(model_path) && exists(optim_path) && exists(epoch_path)) {
    torch::load(model, model_path);
    torch::load(optimizer, optim_path);
    torch::Tensor done;
    torch::load(done, epoch_path);
    start_epoch = done.item<int64_t>() + 1;
    rows = read_metrics(csv_path);
    rows.resize(std::min<size_t>(rows.size(), static_cast<size_t>(start_epoch - 1)));
    std::cout << "resumed after epoch " << start_epoch - 1 << "\n";
  }

  auto train_loader = torch::data::make_data_loader<torch::data::samplers::RandomSampler>(
      std::move(train_set),
      torch::data::DataLoaderOptions().batch_size(args.batch_size).workers(args.workers));
  auto test_loader = torch::data::make_data_loader(
      std::move(test_set), torch::data::DataLoaderOptions().batch_size(1000).workers(args.workers));

  const int64_t steps_per_epoch = (train_size + args.batch_size - 1) / args.batch_size;
  std::cout << "Fashion-MNIST: " << train_size << " training and " << test_size << " test images; "
            << args.epochs << " epochs of " << steps_per_epoch << " steps (batch "
            << args.batch_size << "), Adam lr " << args.lr << ", " << torch::get_num_threads()
            << " threads\n";

  for (int64_t epoch = start_epoch; epoch <= args.epochs; ++epoch) {
    torch::manual_seed(args.seed * 1000003 + epoch);  // sampler order and dropout masks
    model->train();
    auto t0 = std::chrono::steady_clock::now();
    double loss_sum = 0;
    int64_t correct = 0, seen = 0, step = 0;
    for (auto& batch : *train_loader) {
      if (args.max_steps >= 0 && step >= args.max_steps) break;
      optimizer.zero_grad();
      torch::Tensor logits = model->forward(batch.data);
      torch::Tensor loss = torch::nn::functional::cross_entropy(logits, batch.target);
      loss.backward();
      optimizer.step();
      const int64_t n = batch.data.size(0);
      loss_sum += loss.item<double>() * static_cast<double>(n);
      correct += logits.argmax(1).eq(batch.target).sum().item<int64_t>();
      seen += n;
      ++step;
      if (step % 20 == 0 || step == steps_per_epoch) {
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        int width = 30;
        int filled = static_cast<int>(width * step / steps_per_epoch);
        std::cout << "\repoch " << epoch << " [" << std::string(filled, '=')
                  << std::string(width - filled, ' ') << "] " << step << "/" << steps_per_epoch
                  << " loss " << std::fixed << std::setprecision(4) << loss_sum / seen << " "
                  << std::setprecision(0) << seen / secs << " img/s" << std::flush;
      }
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    model->eval();
    double test_loss = 0;
    int64_t test_correct = 0, test_seen = 0;
    {
      torch::NoGradGuard no_grad;
      for (auto& batch : *test_loader) {
        torch::Tensor logits = model->forward(batch.data);
        test_loss += torch::nn::functional::cross_entropy(
                         logits, batch.target,
                         torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                         .item<double>();
        test_correct += logits.argmax(1).eq(batch.target).sum().item<int64_t>();
        test_seen += batch.data.size(0);
      }
    }
    Row r{epoch,
          loss_sum / std::max<int64_t>(seen, 1),
          static_cast<double>(correct) / std::max<int64_t>(seen, 1),
          test_loss / std::max<int64_t>(test_seen, 1),
          static_cast<double>(test_correct) / std::max<int64_t>(test_seen, 1),
          secs,
          seen / secs};
    rows.push_back(r);
    std::cout << "\repoch " << epoch << ": train loss " << std::setprecision(4) << r.train_loss
              << ", train acc " << std::setprecision(2) << 100 * r.train_acc << "%, test loss "
              << std::setprecision(4) << r.test_loss << ", test acc " << std::setprecision(2)
              << 100 * r.test_acc << "%, " << std::setprecision(1) << secs << " s, "
              << std::setprecision(0) << r.images_per_s << " img/s" << std::string(20, ' ')
              << std::endl;

    write_metrics(csv_path, rows);
    write_svg(svg_path, rows);
    torch::save(model, model_path);
    torch::save(optimizer, optim_path);
    torch::save(torch::tensor(epoch), epoch_path);
  }
  if (!rows.empty()) {
    std::cout << "final test accuracy " << std::setprecision(2) << 100 * rows.back().test_acc
              << "%; metrics in " << csv_path << ", curves in " << svg_path << "\n";
  }
  return 0;
}
