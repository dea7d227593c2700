#pragma once
// The autograd graph: Node (a backward function), Edge (to the node of an input), SavedVariable
// (a tensor saved for backward, checked against in-place modification), AutogradMeta.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {
namespace autograd {

using ::ember::tensor_list;
using ::ember::variable_list;
struct Node;

struct Edge {
  Edge() = default;
  Edge(std::shared_ptr<Node> fn, uint32_t nr) : function(std::move(fn)), input_nr(nr) {}
  bool is_valid() const { return function != nullptr; }
  std::shared_ptr<Node> function;
  uint32_t input_nr = 0;
};

// What a node needs to know about the forward output whose gradient it receives.
struct InputMetadata {
  DimVector shape;
  ScalarType dtype = kFloat;
  Device device = Device(kCPU);
};

using TensorHook = std::function<Tensor(const Tensor&)>;

struct Node : std::enable_shared_from_this<Node> {
  Node();
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Gradients of the forward outputs in, gradients of the forward inputs out (one per edge).
  virtual variable_list apply(variable_list&& grads) = 0;
  virtual std::string name() const = 0;
  // Frees saved tensors once backward has run without retain_graph.
  virtual void release_variables() {}

  const std::vector<Edge>& next_edges() const { return next_edges_; }
  const Edge& next_edge(size_t i) const { return next_edges_[i]; }
  size_t num_outputs() const { return next_edges_.size(); }
  size_t num_inputs() const { return num_inputs_; }
  const InputMetadata& input_metadata(size_t i) const {
    return i == 0 ? first_input_ : more_inputs_[i - 1];
  }
  uint32_t add_input_metadata(const Tensor& t);
  void add_next_edge(Edge e) { next_edges_.push_back(std::move(e)); }
  void set_next_edges(std::vector<Edge> e) { next_edges_ = std::move(e); }
  bool should_compute_output(size_t i) const {
    return i < next_edges_.size() && next_edges_[i].is_valid();
  }
  uint64_t sequence_nr() const { return sequence_nr_; }

  // Hooks run on the incoming gradient of forward output `output_nr` before apply.
  unsigned add_pre_hook(uint32_t output_nr, TensorHook hook);
  bool remove_pre_hook(unsigned id);
  // The hook retain_grad() installs; it writes into `meta`'s grad.
  void set_retain_grad_hook(uint32_t output_nr, struct AutogradMeta* meta);
  void clear_retain_grad_hook(uint32_t output_nr);
  // Applies pre-hooks and retain-grad hooks to `grads` in place.
  void run_pre_hooks(variable_list& grads);

  // Post hooks: (grad_inputs, grad_outputs) after apply.
  using PostHook = std::function<void(const variable_list&, const variable_list&)>;
  void add_post_hook(PostHook h) { post_hooks_.push_back(std::move(h)); }
  const std::vector<PostHook>& post_hooks() const { return post_hooks_; }

  // Set in anomaly mode: where the forward op ran.
  std::string anomaly_info;

 protected:
  std::vector<Edge> next_edges_;
  // Input 0's metadata in the node (most nodes have one input: no heap block per node), the
  // others after it.
  InputMetadata first_input_;
  std::vector<InputMetadata> more_inputs_;
  uint32_t num_inputs_ = 0;
  uint64_t sequence_nr_;
  struct PreHook {
    uint32_t output_nr;
    unsigned id;
    TensorHook fn;
  };
  std::vector<PreHook> pre_hooks_;
  std::vector<std::pair<uint32_t, AutogradMeta*>> retain_hooks_;
  std::vector<PostHook> post_hooks_;
};

struct AutogradMeta {
  ~AutogradMeta();
  bool requires_grad = false;
  bool retains_grad = false;
  uint32_t output_nr = 0;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;
  std::weak_ptr<Node> grad_accumulator;
  // Hooks on a leaf's gradient (non-leaf hooks live on grad_fn).
  std::vector<std::pair<unsigned, TensorHook>> leaf_hooks;
  std::mutex mutex;
};

class SavedVariable {
 public:
  SavedVariable() = default;
  SavedVariable(const Tensor& t, bool is_output);
  // The saved tensor; throws if it was freed or modified in place since it was saved.
  // Outputs come back wired to `saved_for` so that double backward sees them.
  Tensor unpack(const std::shared_ptr<Node>& saved_for = nullptr) const;
  void reset_data();
  bool defined() const { return was_defined_; }

 private:
  Tensor data_;
  uint32_t saved_version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool was_defined_ = false;
  bool requires_grad_ = false;
  bool freed_ = false;
  std::string grad_fn_name_;  // for the version error message
};

// The edge gradient for `t` flows along: its grad_fn, or its grad accumulator for a leaf.
Edge gradient_edge(const Tensor& t);
std::shared_ptr<Node> grad_accumulator(const Tensor& t);
// Sets `t`'s grad_fn to `fn` as output number `fn->num_inputs()` and records its metadata.
void set_history(const Tensor& t, const std::shared_ptr<Node>& fn);
// grad_fn of a tracked view, rebuilt (AsStridedBackward0 of its base) when the view or its base
// was modified in place since it was last built. See src/autograd/views.cpp.
const std::shared_ptr<Node>& view_grad_fn(TensorImpl* view);
uint64_t next_sequence_nr();

}  // namespace autograd
}  // namespace ember
