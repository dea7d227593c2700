// The backward engine: dependency counting from the roots, then nodes run in decreasing
// sequence number (reverse creation order) once all their gradients have arrived. All state is
// local to one call, so independent graphs can run backward on several threads at once.
#include "ember/autograd/engine.h"

#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "ember/autograd/function_node.h"
#include "ember/autograd/grad_mode.h"
#include "ember/iter/tensor_iterator.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "ember/ops/unary.h"

namespace ember {
namespace autograd {

namespace {

// PyTorch's layout contract for .grad: the strides of the variable where it is dense and
// non-overlapping (size-1 dimensions aside), else contiguous.
bool obeys_layout_contract(const Tensor& g, const Tensor& var) {
  if (!var.is_non_overlapping_and_dense()) return g.is_contiguous();
  for (int64_t d = 0; d < g.dim(); ++d) {
    if (g.size(d) != 1) {
      if (g.stride(d) != var.stride(d)) return false;
    } else if (g.stride(d) == 0 || var.stride(d) == 0) {
      return false;
    }
  }
  return true;
}

// A new tensor holding `g` in the layout above (differentiable under create_graph).
Tensor clone_obey_contract(const Tensor& g, const Tensor& var) {
  if (!var.is_non_overlapping_and_dense()) return g.clone(MemoryFormat::Contiguous);
  Tensor r = empty_strided(var.sizes(), var.strides(), g.options());
  r.copy_(g);
  return r;
}

// Accumulates into a leaf's .grad (the leaf's hooks run first).
struct AccumulateGrad : Node {
  explicit AccumulateGrad(Tensor v) : variable(std::move(v)) {}
  std::string name() const override { return "torch::autograd::AccumulateGrad"; }
  variable_list apply(variable_list&& grads) override {
    Tensor g = std::move(grads[0]);
    grads.clear();
    if (!g.defined()) return {};
    auto& m = variable.unsafeGetTensorImpl()->ensure_autograd_meta();
    for (auto& [id, h] : m.leaf_hooks) {
      Tensor r = h(g);
      if (r.defined()) g = r;
    }
    std::lock_guard<std::mutex> lock(m.mutex);
    if (!m.grad.defined()) {
      // A gradient nothing else refers to (not the user's, not shared with another leaf or a
      // view) that already has the leaf's layout becomes .grad as it is; anything else is copied
      // into the layout PyTorch gives a .grad, so a weight used transposed (Linear) still gets
      // a gradient with the weight's own strides.
      if (!GradMode::is_enabled() && g.use_count() == 1 && g.storage().use_count() == 1 &&
          obeys_layout_contract(g, variable)) {
        m.grad = g.detach();
      } else {
        m.grad = clone_obey_contract(GradMode::is_enabled() ? g : g.detach(), variable);
      }
    } else if (GradMode::is_enabled()) {
      m.grad = m.grad + g;  // create_graph: out of place, keeps history
    } else {
      m.grad.add_(g);
    }
    return {};
  }
  Tensor variable;
};

struct GraphTask {
  bool keep_graph;
  bool create_graph;
  std::unordered_map<Node*, int> deps;
  std::unordered_map<Node*, variable_list> buffers;
  // For autograd::grad / backward(inputs=): (node, input_nr) -> index into captured.
  std::unordered_map<Node*, std::vector<std::pair<uint32_t, size_t>>> captures;
  std::unordered_set<Node*> needed;  // nodes to execute when inputs are given
  bool filter = false;
  variable_list captured;
};

struct CompareSeq {
  bool operator()(const std::shared_ptr<Node>& a, const std::shared_ptr<Node>& b) const {
    return a->sequence_nr() < b->sequence_nr();
  }
};

void add_to_buffer(variable_list& buf, size_t i, const Tensor& g) {
  if (!g.defined()) return;
  if (!buf[i].defined()) {
    buf[i] = g;
  } else {
    buf[i] = buf[i] + g;
  }
}

// Shape and dtype of a gradient must match the forward output it belongs to.
Tensor validate_grad(const Node& fn, size_t i, const Tensor& g, const InputMetadata& meta) {
  if (!g.defined()) return g;
  Tensor r = g;
  if (r.sizes() != IntArrayRef(meta.shape)) {
    bool expandable = true;
    try {
      auto b = infer_size(meta.shape, r.sizes());
      expandable = IntArrayRef(b) == r.sizes();
    } catch (const Error&) {
      expandable = false;
    }
    EMBER_CHECK(expandable, "Function ", fn.name(), " returned an invalid gradient at index ", i,
                " - got ", r.sizes(), " but expected shape compatible with ",
                IntArrayRef(meta.shape));
    r = sum_to(r, meta.shape);
  }
  if (r.dtype() != meta.dtype) r = r.to(meta.dtype);
  return r;
}

void check_anomaly(const Node& fn, const variable_list& grads) {
  for (size_t i = 0; i < grads.size(); ++i) {
    const Tensor& g = grads[i];
    if (!g.defined() || !g.is_floating_point()) continue;
    NoGradGuard ng;
    if (isnan(g).any().item<bool>()) {
      EMBER_ERROR("Function '", fn.name(), "' returned nan values in its ", i, "th output.",
                  fn.anomaly_info.empty() ? "" : " The forward op was: ", fn.anomaly_info);
    }
  }
}

}  // namespace

std::shared_ptr<Node> grad_accumulator(const Tensor& t) {
  auto& m = t.unsafeGetTensorImpl()->ensure_autograd_meta();
  std::lock_guard<std::mutex> lock(m.mutex);
  if (auto p = m.grad_accumulator.lock()) return p;
  // The accumulator holds the leaf strongly; the leaf holds it weakly (no cycle).
  Tensor leaf(t.getIntrusivePtr());
  auto acc = std::make_shared<AccumulateGrad>(leaf);
  acc->add_input_metadata(t);
  m.grad_accumulator = acc;
  return acc;
}

variable_list run_backward(const variable_list& outputs, const variable_list& grad_outputs,
                           bool keep_graph, bool create_graph, const variable_list& inputs,
                           bool allow_unused, bool accumulate_grad) {
  EMBER_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(), "[backward] got ",
              outputs.size(), " tensors and ", grad_outputs.size(), " gradients");
  GraphTask task;
  task.keep_graph = keep_graph;
  task.create_graph = create_graph;

  // Roots.
  std::vector<std::pair<Edge, Tensor>> roots;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    EMBER_CHECK(out.defined(), "[backward] output ", i, " is undefined");
    Edge e = gradient_edge(out);
    EMBER_CHECK(e.is_valid(), "element ", i,
                " of tensors does not require grad and does not have a grad_fn");
    Tensor g = i < grad_outputs.size() ? grad_outputs[i] : Tensor();
    if (!g.defined()) {
      EMBER_CHECK(out.numel() == 1, "grad can be implicitly created only for scalar outputs");
      g = ones_like(out);
    } else {
      EMBER_CHECK(g.sizes() == out.sizes(), "Mismatch in shape: grad_output[", i,
                  "] has a shape of ", g.sizes(), " and output[", i, "] has a shape of ",
                  out.sizes(), ".");
    }
    roots.emplace_back(e, g);
  }

  // Inputs to capture.
  std::vector<Edge> input_edges;
  if (!inputs.empty()) {
    task.filter = true;
    task.captured.resize(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      Edge e = gradient_edge(inputs[i]);
      EMBER_CHECK(e.is_valid(), "One of the differentiated Tensors does not require grad");
      input_edges.push_back(e);
      if (!accumulate_grad) task.captures[e.function.get()].emplace_back(e.input_nr, i);
    }
  }

  // Dependency counts over the reachable graph.
  std::vector<Node*> stack;
  std::unordered_set<Node*> seen;
  std::unordered_map<Node*, std::vector<Node*>> parents;
  for (auto& [e, g] : roots) {
    if (seen.insert(e.function.get()).second) stack.push_back(e.function.get());
  }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges()) {
      if (!e.is_valid()) continue;
      Node* c = e.function.get();
      ++task.deps[c];
      if (task.filter) parents[c].push_back(n);
      if (seen.insert(c).second) stack.push_back(c);
    }
  }
  if (task.filter) {
    // A node runs only if an input's edge is reachable from it.
    std::vector<Node*> work;
    for (auto& e : input_edges) {
      if (seen.count(e.function.get()) && task.needed.insert(e.function.get()).second)
        work.push_back(e.function.get());
    }
    while (!work.empty()) {
      Node* n = work.back();
      work.pop_back();
      for (Node* p : parents[n])
        if (task.needed.insert(p).second) work.push_back(p);
    }
  }

  AutoGradMode mode(create_graph);
  std::priority_queue<std::shared_ptr<Node>, std::vector<std::shared_ptr<Node>>, CompareSeq> ready;
  for (auto& [e, g] : roots) {
    auto& buf = task.buffers[e.function.get()];
    if (buf.empty()) buf.resize(e.function->num_inputs());
    add_to_buffer(buf, e.input_nr, g);
  }
  for (auto& [e, g] : roots) {
    if (task.deps[e.function.get()] == 0) {
      task.deps[e.function.get()] = -1;  // queued
      ready.push(e.function);
    }
  }

  while (!ready.empty()) {
    std::shared_ptr<Node> fn = ready.top();
    ready.pop();
    variable_list grads = std::move(task.buffers[fn.get()]);
    task.buffers.erase(fn.get());
    if (grads.empty()) grads.resize(fn->num_inputs());
    fn->run_pre_hooks(grads);
    auto cap = task.captures.find(fn.get());
    if (cap != task.captures.end()) {
      for (auto& [nr, idx] : cap->second) task.captured[idx] = grads[nr];
    }
    bool is_accumulator = dynamic_cast<AccumulateGrad*>(fn.get()) != nullptr;
    if (task.filter && !task.needed.count(fn.get())) continue;
    if (is_accumulator && task.filter && !accumulate_grad) continue;
    if (is_accumulator && task.filter && accumulate_grad) {
      bool wanted = false;
      for (auto& e : input_edges) wanted |= e.function.get() == fn.get();
      if (!wanted) continue;
    }
    variable_list out = fn->apply(std::move(grads));
    if (!keep_graph) fn->release_variables();
    EMBER_CHECK(out.size() == fn->num_outputs() || fn->num_outputs() == 0, "Function ", fn->name(),
                " returned an incorrect number of gradients (expected ", fn->num_outputs(),
                ", got ", out.size(), ")");
    if (AnomalyMode::is_enabled()) check_anomaly(*fn, out);
    for (const auto& h : fn->post_hooks()) h(out, grads);
    for (size_t i = 0; i < fn->num_outputs(); ++i) {
      const Edge& e = fn->next_edge(i);
      if (!e.is_valid()) continue;
      Node* c = e.function.get();
      auto& buf = task.buffers[c];
      if (buf.empty()) buf.resize(c->num_inputs());
      if (i < out.size() && out[i].defined()) {
        add_to_buffer(buf, e.input_nr,
                      validate_grad(*fn, i, out[i], c->input_metadata(e.input_nr)));
      }
      if (--task.deps[c] == 0) {
        task.deps[c] = -1;
        ready.push(e.function);
      }
    }
  }

  if (!accumulate_grad) {
    for (size_t i = 0; i < task.captured.size(); ++i) {
      EMBER_CHECK(task.captured[i].defined() || allow_unused,
                  "One of the differentiated Tensors appears to not have been used in the graph. "
                  "Set allow_unused=True if this is the desired behavior.");
    }
  }
  return task.captured;
}

void backward(const variable_list& tensors, const variable_list& grad_tensors,
              std::optional<bool> retain_graph, bool create_graph, const variable_list& inputs) {
  bool keep = retain_graph.value_or(create_graph);
  run_backward(tensors, grad_tensors, keep, create_graph, inputs, true, true);
}

variable_list grad(const variable_list& outputs, const variable_list& inputs,
                   const variable_list& grad_outputs, std::optional<bool> retain_graph,
                   bool create_graph, bool allow_unused) {
  bool keep = retain_graph.value_or(create_graph);
  EMBER_CHECK(!inputs.empty(), "[autograd::grad] grad requires at least one input");
  return run_backward(outputs, grad_outputs, keep, create_graph, inputs, allow_unused, false);
}

}  // namespace autograd
}  // namespace ember
