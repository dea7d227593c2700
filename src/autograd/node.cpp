// Nodes, saved variables and the autograd state of tensors.
#include "ember/autograd/node.h"

#include <atomic>

#include "ember/autograd/function_node.h"
#include "ember/autograd/grad_mode.h"
#include "ember/iter/tensor_iterator.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"

namespace ember {
namespace autograd {

namespace {
thread_local bool t_grad_enabled EMBER_TLS_HOT = true;
std::atomic<bool> g_anomaly{false};
std::atomic<uint64_t> g_sequence{0};
std::atomic<unsigned> g_hook_id{0};
}  // namespace

bool GradMode::is_enabled() { return t_grad_enabled; }
void GradMode::set_enabled(bool e) { t_grad_enabled = e; }
bool InferenceMode::is_enabled() { return !t_grad_enabled; }
bool AnomalyMode::is_enabled() { return g_anomaly.load(std::memory_order_relaxed); }
void AnomalyMode::set_enabled(bool e) { g_anomaly = e; }
uint64_t next_sequence_nr() { return g_sequence.fetch_add(1, std::memory_order_relaxed); }

Node::Node() : sequence_nr_(next_sequence_nr()) {}

uint32_t Node::add_input_metadata(const Tensor& t) {
  InputMetadata& m = num_inputs_ == 0 ? first_input_ : more_inputs_.emplace_back();
  m.shape = DimVector(t.sizes());
  m.dtype = t.dtype();
  m.device = t.device();
  return num_inputs_++;
}

unsigned Node::add_pre_hook(uint32_t output_nr, TensorHook hook) {
  unsigned id = g_hook_id.fetch_add(1);
  pre_hooks_.push_back({output_nr, id, std::move(hook)});
  return id;
}

bool Node::remove_pre_hook(unsigned id) {
  for (auto it = pre_hooks_.begin(); it != pre_hooks_.end(); ++it) {
    if (it->id == id) {
      pre_hooks_.erase(it);
      return true;
    }
  }
  return false;
}

void Node::set_retain_grad_hook(uint32_t output_nr, AutogradMeta* meta) {
  clear_retain_grad_hook(output_nr);
  retain_hooks_.emplace_back(output_nr, meta);
}

void Node::clear_retain_grad_hook(uint32_t output_nr) {
  for (auto it = retain_hooks_.begin(); it != retain_hooks_.end(); ++it) {
    if (it->first == output_nr) {
      retain_hooks_.erase(it);
      return;
    }
  }
}

void Node::run_pre_hooks(variable_list& grads) {
  for (auto& h : pre_hooks_) {
    if (h.output_nr < grads.size() && grads[h.output_nr].defined()) {
      Tensor r = h.fn(grads[h.output_nr]);
      if (r.defined()) grads[h.output_nr] = r;
    }
  }
  for (auto& [nr, meta] : retain_hooks_) {
    if (nr >= grads.size() || !grads[nr].defined()) continue;
    std::lock_guard<std::mutex> g(meta->mutex);
    if (!meta->grad.defined()) {
      meta->grad = grads[nr].clone();
    } else {
      meta->grad = meta->grad + grads[nr];
    }
  }
}

AutogradMeta::~AutogradMeta() {
  if (retains_grad && grad_fn) grad_fn->clear_retain_grad_hook(output_nr);
}

// ---- SavedVariable ----

SavedVariable::SavedVariable(const Tensor& t, bool is_output) {
  if (!t.defined()) return;
  was_defined_ = true;
  is_output_ = is_output;
  saved_version_ = static_cast<uint32_t>(t._version());
  requires_grad_ = t.requires_grad();
  if (const auto& fn = t.grad_fn()) {
    output_nr_ = t.output_nr();
    grad_fn_name_ = fn->name();
  }
  if (is_output) {
    // Keep the values but not the autograd state: the node owns us, and the output's grad_fn is
    // that node, so a strong reference would be a cycle. unpack() rewires it.
    data_ = Tensor(make_intrusive<TensorImpl>(t.storage(), t.dtype(), t.sizes(), t.strides(),
                                              t.storage_offset()));
  } else {
    data_ = t;
  }
}

Tensor SavedVariable::unpack(const std::shared_ptr<Node>& saved_for) const {
  if (!was_defined_) return Tensor();
  EMBER_CHECK(!freed_,
              "Trying to backward through the graph a second time (or directly access saved "
              "tensors after they have already been freed). Saved intermediate values of the "
              "graph are freed when you call .backward() or autograd.grad(). Specify "
              "retain_graph=True if you need to backward through the graph a second time or if "
              "you need to access saved tensors after calling backward.");
  uint32_t now = static_cast<uint32_t>(data_._version());
  if (now != saved_version_) {
    std::ostringstream os;
    os << "one of the variables needed for gradient computation has been modified by an "
          "inplace operation: ["
       << data_.toString() << " " << data_.sizes() << "]";
    if (!grad_fn_name_.empty())
      os << ", which is output " << output_nr_ << " of " << grad_fn_name_ << ",";
    os << " is at version " << now << "; expected version " << saved_version_
       << " instead. Hint: the backtrace further above shows the operation that failed to "
          "compute its gradient. The variable in question was changed in there or anywhere "
          "later. Good luck!";
    EMBER_ERROR(os.str());
  }
  if (!is_output_ || !saved_for) return data_;
  Tensor t(make_intrusive<TensorImpl>(data_.storage(), data_.dtype(), data_.sizes(),
                                      data_.strides(), data_.storage_offset()));
  auto& m = t.unsafeGetTensorImpl()->ensure_autograd_meta();
  m.grad_fn = saved_for;
  m.output_nr = output_nr_;
  return t;
}

void SavedVariable::reset_data() {
  if (!was_defined_) return;
  data_ = Tensor();
  freed_ = true;
}

// ---- edges ----

std::shared_ptr<Node> grad_accumulator(const Tensor& t);

Edge gradient_edge(const Tensor& t) {
  TensorImpl* impl = t.unsafeGetTensorImpl();
  if (impl->is_autograd_view()) {
    const auto& fn = view_grad_fn(impl);
    if (fn) return Edge(fn, impl->autograd_meta()->output_nr);
  }
  auto* m = impl->autograd_meta();
  if (!m) return Edge();
  if (m->grad_fn) return Edge(m->grad_fn, m->output_nr);
  if (m->requires_grad) return Edge(grad_accumulator(t), 0);
  return Edge();
}

void set_history(const Tensor& t, const std::shared_ptr<Node>& fn) {
  auto& m = t.unsafeGetTensorImpl()->ensure_autograd_meta();
  m.grad_fn = fn;
  m.output_nr = fn->add_input_metadata(t);
  m.requires_grad = false;  // derived from grad_fn
}

}  // namespace autograd
}  // namespace ember
