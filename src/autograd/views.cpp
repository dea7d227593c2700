// Note [Views and in-place autograd]: PyTorch's view tracking. A view made by a view op (view,
// narrow, select, transpose, ...) records its root base (TensorImpl::view_base), whether grad mode
// was on when it was made or whether it came from an op returning several views (split, chunk,
// unbind), and the version of the storage's counter its grad_fn was built at.
//
// An in-place op on such a view runs the op out of place on the view's old values (result `r`)
// and writes `r` back. The base then takes a "CopySlices" history: new_base = old_base with the
// view's region replaced by `r`. Its backward sends the gradient outside the region to the old
// base and the region itself to `r` (whose own history leads back to the view's old values).
// Every view of that storage now has a stale grad_fn: on access (grad_fn(), requires_grad(),
// gradient_edge()) it is rebuilt as AsStridedBackward0 of the base, as PyTorch 1.13 does.
#include "ember/autograd/function_node.h"
#include "ember/ops/factory.h"
#include "ember/ops/shape.h"

namespace ember {
namespace autograd {

using ViewCreation = TensorImpl::ViewCreation;

void track_view(const Tensor& view, const Tensor& self) {
  TensorImpl* v = view.unsafeGetTensorImpl();
  const TensorImpl* s = self.unsafeGetTensorImpl();
  ViewCreation c = GradMode::is_enabled() ? ViewCreation::Default : ViewCreation::NoGradMode;
  // A view of a view keeps the restriction of its parent (PyTorch's propagate_creation_meta).
  if (c == ViewCreation::Default && s->is_autograd_view()) c = s->view_creation();
  v->set_view_creation(c);
  v->set_view_version(s->storage()->version());
}

void mark_multi_output_view(const Tensor& view, uint32_t i) {
  TensorImpl* v = view.unsafeGetTensorImpl();
  if (v->view_creation() != ViewCreation::Default) return;
  v->set_view_creation(ViewCreation::MultiOutput);
  v->set_view_output_nr(i);
}

namespace {

bool impl_requires_grad(const TensorImpl* t) {
  auto* m = t->autograd_meta();
  return m && (m->requires_grad || m->grad_fn);
}

// PyTorch's handle_view_on_rebase: views made in no-grad mode or by multi-output ops must not
// be modified in place (directly, or `indirect`ly through their base) while autograd records.
void check_view_creation(const TensorImpl* v, bool indirect) {
  ViewCreation c = v->view_creation();
  if (c == ViewCreation::Default || c == ViewCreation::None) return;
  const char* modified = indirect ? "its base or another view of its base has been" : "is being";
  auto* m = v->autograd_meta();
  std::string msg;
  if (m && m->grad_fn) {
    msg = detail::str_cat("Output ", v->view_output_nr(), " of ", m->grad_fn->name(),
                          " is a view and ", modified, " modified inplace.");
  } else {
    msg = detail::str_cat("A view was created in no_grad mode and ", modified,
                          " modified inplace with grad mode enabled.");
  }
  if (c == ViewCreation::MultiOutput) {
    msg +=
        " This view is the output of a function that returns multiple views. Such functions "
        "do not allow the output views to be modified inplace. You should replace the inplace "
        "operation by an out-of-place one.";
  } else {
    msg +=
        " Given that this use case is ambiguous and error-prone, it is forbidden. You can "
        "clarify your code by moving both the view and the inplace either both inside the "
        "no_grad block (if you don't want the inplace to be tracked) or both outside (if you "
        "want the inplace to be tracked).";
  }
  EMBER_ERROR(msg);
}

}  // namespace

const std::shared_ptr<Node>& view_grad_fn(TensorImpl* v) {
  static const std::shared_ptr<Node> none;
  auto* m = v->autograd_meta();
  const TensorImpl* base = v->view_base().get();
  if (!(m && m->grad_fn) && !(base && impl_requires_grad(base))) return m ? m->grad_fn : none;
  uint32_t now = v->storage()->version();
  if (v->view_version() == now) return m ? m->grad_fn : none;
  check_view_creation(v, /*indirect=*/true);
  // Rebuild: the view is as_strided(base) of the base's current history.
  Tensor b(v->view_base());
  std::shared_ptr<Node> fn;
  {
    AutoGradMode on(true);
    Tensor replay = b.as_strided(v->sizes(), v->strides(), v->storage_offset());
    fn = replay.grad_fn();
  }
  auto& meta = v->ensure_autograd_meta();
  std::lock_guard<std::mutex> lock(meta.mutex);
  if (v->view_version() != now) {
    if (meta.retains_grad && meta.grad_fn) meta.grad_fn->clear_retain_grad_hook(meta.output_nr);
    meta.grad_fn = std::move(fn);
    meta.output_nr = 0;
    if (meta.retains_grad && meta.grad_fn) meta.grad_fn->set_retain_grad_hook(0, &meta);
    v->set_view_version(now);
  }
  return meta.grad_fn;
}

void check_inplace(const Tensor& self, const char* op) {
  const TensorImpl* s = self.unsafeGetTensorImpl();
  if (s->is_autograd_view()) {
    check_view_creation(s, /*indirect=*/false);
    const TensorImpl* base = s->view_base().get();
    auto* bm = base->autograd_meta();
    EMBER_CHECK(!(self.requires_grad() && !(bm && bm->grad_fn)), "[", op,
                "] a view of a leaf Variable that requires grad is being used in an in-place "
                "operation.");
  }
  EMBER_CHECK(!(self.is_leaf() && self.requires_grad()), "[", op,
              "] a leaf Variable that requires grad is being used in an in-place operation.");
}

void rebase_view_history(const Tensor& self, const Tensor& result) {
  const TensorImpl* s = self.unsafeGetTensorImpl();
  Tensor base(s->view_base());
  auto fn = [bsz = DimVector(base.sizes()), bst = DimVector(base.strides()),
             vsz = DimVector(self.sizes()), vst = DimVector(self.strides()),
             voff = self.storage_offset() - base.storage_offset()](FunctionNode& n,
                                                                   const variable_list& g) {
    // Written with ember ops (zero_ on a view of a tensor with history is itself a CopySlices),
    // so double backward works.
    Tensor gb = empty_strided(bsz, bst, g[0].options());
    gb.copy_(g[0]);
    Tensor gv = gb.as_strided(vsz, vst, voff);
    variable_list r(2);
    if (n.needs_input_grad(1)) r[1] = gv.clone();
    if (n.needs_input_grad(0)) {
      gv.zero_();
      r[0] = gb;
    }
    return r;
  };
  auto node = make_node_impl("torch::autograd::CopySlices", {base, result}, BackwardFn(fn));
  set_history(base, node);
}

}  // namespace autograd
}  // namespace ember
