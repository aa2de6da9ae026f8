// The toolkit's fused float32 kernels for tfjs-node, as TensorFlow CPU ops. Composed from TensorFlow's
// eager ops, bias + GELU, LayerNorm / RMSNorm, SwiGLU and AdamW are 6-20 ops each, every one a pass over memory with a
// full-size temporary (and, on 2 threads, a hand-off to the pool and back); here each is one pass per
// direction. scripts/setup-native.mjs compiles this file against the headers of the tensorflow-cpu
// wheel it built the binding from, into vlm_tf_ops.node next to tfjs_binding.node; @vlm/connectors loads
// it after tfjs-node (it registers the ops with the TensorFlow the binding uses) and runs the ops through
// the binding like TensorFlow's own. Without it the toolkit composes TensorFlow's ops, as before.
//
// Ops (all float32; x of any rank, its last axis D the feature axis; rows = the other axes):
//   VlmBiasGelu(x, bias[D]) -> y                      y = u·Φ(u), u = x + bias (exact GELU, erf)
//   VlmBiasGeluGrad(dy, x, bias[D]) -> dx, dbias      dx = dy·(Φ(u) + u·φ(u)), dbias = Σ_rows dx
//   VlmLayerNorm(x, gamma[D], beta[D]; epsilon, rms) -> y, mean[rows], rstd[rows]   (biased variance;
//     rms: RMSNorm, x·rstd·gamma with rstd = 1/√(mean(x²) + ε), mean 0 and beta unused)
//   VlmLayerNormGrad(dy, x, gamma[D], mean, rstd; rms) -> dx, dgamma[D], dbeta[D] (dbeta 0 with rms)
//   VlmSwiglu(gate, up) -> silu(gate)·up;  VlmSwigluGrad(dy, gate, up) -> dgate, dup
//   VlmAdamW(p[N], g[N], m[N], v[N]; lrs, beta1, beta2, epsilon, weight_decay, step) -> p'[N], m'[N], v'[N]
//     torch.optim.AdamW: p·(1 − lr·wd) − lr/(1−β1ᵗ) · m'/(√v'/√(1−β2ᵗ) + ε)
#include <node_api.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"
#include "unsupported/Eigen/SpecialFunctions"

namespace {

using tensorflow::OpKernel;
using tensorflow::OpKernelConstruction;
using tensorflow::OpKernelContext;
using tensorflow::Tensor;
using tensorflow::TensorShape;
using Row = Eigen::Map<Eigen::ArrayXf>;
using ConstRow = Eigen::Map<const Eigen::ArrayXf>;

constexpr float kSqrtHalf = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;

// Runs fn(begin, end) over [0, total) in at most one shard per intra-op thread, each of at least
// `min_per_shard` units; one shard runs on the calling thread.
template <typename F>
void ForShards(OpKernelContext* c, int64_t total, int64_t min_per_shard, const F& fn) {
  const auto* workers = c->device()->tensorflow_cpu_worker_threads();
  const int64_t shards = std::min<int64_t>(workers->num_threads, std::max<int64_t>(1, total / std::max<int64_t>(1, min_per_shard)));
  if (shards <= 1 || total <= 1) {
    fn(0, total);
    return;
  }
  const int64_t block = (total + shards - 1) / shards;
  workers->workers->ParallelFor(total, tsl::thread::ThreadPool::SchedulingParams::Fixed(block), fn);
}

// Rows of the last axis and D, after checking that `param` is a vector of D values.
bool Rows(OpKernelContext* c, const Tensor& x, const Tensor& param, const char* name, int64_t* rows, int64_t* d) {
  if (x.dims() < 1) {
    c->SetStatus(tensorflow::errors::InvalidArgument("x must have at least one axis"));
    return false;
  }
  *d = x.dim_size(x.dims() - 1);
  if (param.dims() != 1 || param.dim_size(0) != *d) {
    c->SetStatus(tensorflow::errors::InvalidArgument(name, " must be a vector of ", *d, " values, got shape ", param.shape().DebugString()));
    return false;
  }
  *rows = *d == 0 ? 0 : x.NumElements() / *d;
  return true;
}

// Rows per partial sum of a column reduction: at most 64 partial sums.
int64_t ChunkRows(int64_t rows) { return std::max<int64_t>(1, (rows + 63) / 64); }

class BiasGelu : public OpKernel {
 public:
  explicit BiasGelu(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* c) override {
    const Tensor& x = c->input(0);
    const Tensor& bias = c->input(1);
    int64_t rows, d;
    if (!Rows(c, x, bias, "bias", &rows, &d)) return;
    Tensor* y = nullptr;
    OP_REQUIRES_OK(c, c->allocate_output(0, x.shape(), &y));
    const float* X = x.flat<float>().data();
    const float* B = bias.flat<float>().data();
    float* Y = y->flat<float>().data();
    ForShards(c, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, d)), [&](int64_t begin, int64_t end) {
      Eigen::ArrayXf u(d);
      ConstRow b(B, d);
      for (int64_t r = begin; r < end; r++) {
        u = ConstRow(X + r * d, d) + b;
        Row(Y + r * d, d) = u * (0.5f + 0.5f * (u * kSqrtHalf).erf());
      }
    });
  }
};

class BiasGeluGrad : public OpKernel {
 public:
  explicit BiasGeluGrad(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* c) override {
    const Tensor& dy = c->input(0);
    const Tensor& x = c->input(1);
    const Tensor& bias = c->input(2);
    OP_REQUIRES(c, dy.shape() == x.shape(), tensorflow::errors::InvalidArgument("dy and x must have the same shape"));
    int64_t rows, d;
    if (!Rows(c, x, bias, "bias", &rows, &d)) return;
    Tensor* dx = nullptr;
    Tensor* dbias = nullptr;
    OP_REQUIRES_OK(c, c->allocate_output(0, x.shape(), &dx));
    OP_REQUIRES_OK(c, c->allocate_output(1, bias.shape(), &dbias));
    const float* DY = dy.flat<float>().data();
    const float* X = x.flat<float>().data();
    const float* B = bias.flat<float>().data();
    float* DX = dx->flat<float>().data();
    const int64_t per = ChunkRows(rows);
    const int64_t chunks = rows == 0 ? 0 : (rows + per - 1) / per;
    std::vector<float> partial(static_cast<size_t>(chunks * d), 0.f);
    ForShards(c, chunks, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, per * d)), [&](int64_t begin, int64_t end) {
      Eigen::ArrayXf u(d);
      ConstRow b(B, d);
      for (int64_t k = begin; k < end; k++) {
        Row sum(partial.data() + k * d, d);
        for (int64_t r = k * per; r < std::min(rows, (k + 1) * per); r++) {
          u = ConstRow(X + r * d, d) + b;
          Row out(DX + r * d, d);
          out = ConstRow(DY + r * d, d) * ((0.5f + 0.5f * (u * kSqrtHalf).erf()) + u * (u.square() * -0.5f).exp() * kInvSqrt2Pi);
          sum += out;
        }
      }
    });
    Row total(dbias->flat<float>().data(), d);
    total.setZero();
    for (int64_t k = 0; k < chunks; k++) total += ConstRow(partial.data() + k * d, d);
  }
};

class LayerNorm : public OpKernel {
 public:
  explicit LayerNorm(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("epsilon", &epsilon_));
    OP_REQUIRES_OK(c, c->GetAttr("rms", &rms_));
  }
  void Compute(OpKernelContext* c) override {
    const Tensor& x = c->input(0);
    const Tensor& gamma = c->input(1);
    const Tensor& beta = c->input(2);
    int64_t rows, d;
    if (!Rows(c, x, gamma, "gamma", &rows, &d) || !Rows(c, x, beta, "beta", &rows, &d)) return;
    Tensor* y = nullptr;
    Tensor* mean = nullptr;
    Tensor* rstd = nullptr;
    OP_REQUIRES_OK(c, c->allocate_output(0, x.shape(), &y));
    OP_REQUIRES_OK(c, c->allocate_output(1, TensorShape({rows}), &mean));
    OP_REQUIRES_OK(c, c->allocate_output(2, TensorShape({rows}), &rstd));
    const float* X = x.flat<float>().data();
    const float* G = gamma.flat<float>().data();
    const float* B = beta.flat<float>().data();
    float* Y = y->flat<float>().data();
    float* M = mean->flat<float>().data();
    float* R = rstd->flat<float>().data();
    const float eps = epsilon_;
    const bool rms = rms_;
    ForShards(c, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, d)), [&](int64_t begin, int64_t end) {
      Eigen::ArrayXf centred(d);
      ConstRow g(G, d);
      ConstRow b(B, d);
      for (int64_t r = begin; r < end; r++) {
        ConstRow xr(X + r * d, d);
        const float mu = rms ? 0.f : xr.mean();
        centred = xr - mu;
        const float rs = 1.f / std::sqrt(centred.square().mean() + eps);
        M[r] = mu;
        R[r] = rs;
        if (rms) Row(Y + r * d, d) = centred * rs * g;
        else Row(Y + r * d, d) = centred * rs * g + b;
      }
    });
  }

 private:
  float epsilon_;
  bool rms_;
};

class LayerNormGrad : public OpKernel {
 public:
  explicit LayerNormGrad(OpKernelConstruction* c) : OpKernel(c) { OP_REQUIRES_OK(c, c->GetAttr("rms", &rms_)); }
  void Compute(OpKernelContext* c) override {
    const Tensor& dy = c->input(0);
    const Tensor& x = c->input(1);
    const Tensor& gamma = c->input(2);
    const Tensor& mean = c->input(3);
    const Tensor& rstd = c->input(4);
    OP_REQUIRES(c, dy.shape() == x.shape(), tensorflow::errors::InvalidArgument("dy and x must have the same shape"));
    int64_t rows, d;
    if (!Rows(c, x, gamma, "gamma", &rows, &d)) return;
    OP_REQUIRES(c, mean.NumElements() == rows && rstd.NumElements() == rows,
                tensorflow::errors::InvalidArgument("mean and rstd must hold one value per row (", rows, ")"));
    Tensor* dx = nullptr;
    Tensor* dgamma = nullptr;
    Tensor* dbeta = nullptr;
    OP_REQUIRES_OK(c, c->allocate_output(0, x.shape(), &dx));
    OP_REQUIRES_OK(c, c->allocate_output(1, gamma.shape(), &dgamma));
    OP_REQUIRES_OK(c, c->allocate_output(2, gamma.shape(), &dbeta));
    const float* DY = dy.flat<float>().data();
    const float* X = x.flat<float>().data();
    const float* G = gamma.flat<float>().data();
    const float* M = mean.flat<float>().data();
    const float* R = rstd.flat<float>().data();
    float* DX = dx->flat<float>().data();
    const int64_t per = ChunkRows(rows);
    const int64_t chunks = rows == 0 ? 0 : (rows + per - 1) / per;
    std::vector<float> partial(static_cast<size_t>(2 * chunks * d), 0.f);
    ForShards(c, chunks, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, per * d)), [&](int64_t begin, int64_t end) {
      Eigen::ArrayXf h(d);
      Eigen::ArrayXf g(d);
      ConstRow gam(G, d);
      for (int64_t k = begin; k < end; k++) {
        Row sumG(partial.data() + 2 * k * d, d);
        Row sumB(partial.data() + (2 * k + 1) * d, d);
        for (int64_t r = k * per; r < std::min(rows, (k + 1) * per); r++) {
          ConstRow dyr(DY + r * d, d);
          const float rs = R[r];
          // with h = (x − μ)·r and g = dy·γ: dx = r·(g − mean(g) − h·mean(g·h)); RMS drops mean(g)
          h = (ConstRow(X + r * d, d) - M[r]) * rs;
          g = dyr * gam;
          const float meanG = rms_ ? 0.f : g.mean();
          const float meanGH = (g * h).mean();
          Row(DX + r * d, d) = rs * (g - meanG - h * meanGH);
          sumG += dyr * h;
          sumB += dyr;
        }
      }
    });
    Row dg(dgamma->flat<float>().data(), d);
    Row db(dbeta->flat<float>().data(), d);
    dg.setZero();
    db.setZero();
    for (int64_t k = 0; k < chunks; k++) {
      dg += ConstRow(partial.data() + 2 * k * d, d);
      if (!rms_) db += ConstRow(partial.data() + (2 * k + 1) * d, d);
    }
  }

 private:
  bool rms_;
};

// silu(g)·u and its gradient, over the values in blocks.
class Swiglu : public OpKernel {
 public:
  explicit Swiglu(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* c) override {
    const Tensor& gate = c->input(0);
    const Tensor& up = c->input(1);
    OP_REQUIRES(c, gate.shape() == up.shape(), tensorflow::errors::InvalidArgument("gate and up must have the same shape"));
    Tensor* y = nullptr;
    OP_REQUIRES_OK(c, c->allocate_output(0, gate.shape(), &y));
    const float* G = gate.flat<float>().data();
    const float* U = up.flat<float>().data();
    float* Y = y->flat<float>().data();
    ForShards(c, gate.NumElements(), 1 << 15, [&](int64_t begin, int64_t end) {
      const int64_t n = end - begin;
      ConstRow g(G + begin, n);
      Row(Y + begin, n) = g / (1.f + (-g).exp()) * ConstRow(U + begin, n);
    });
  }
};

class SwigluGrad : public OpKernel {
 public:
  explicit SwigluGrad(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* c) override {
    const Tensor& dy = c->input(0);
    const Tensor& gate = c->input(1);
    const Tensor& up = c->input(2);
    OP_REQUIRES(c, gate.shape() == up.shape() && dy.shape() == gate.shape(), tensorflow::errors::InvalidArgument("dy, gate and up must have the same shape"));
    Tensor* dgate = nullptr;
    Tensor* dup = nullptr;
    OP_REQUIRES_OK(c, c->allocate_output(0, gate.shape(), &dgate));
    OP_REQUIRES_OK(c, c->allocate_output(1, gate.shape(), &dup));
    const float* DY = dy.flat<float>().data();
    const float* G = gate.flat<float>().data();
    const float* U = up.flat<float>().data();
    float* DG = dgate->flat<float>().data();
    float* DU = dup->flat<float>().data();
    ForShards(c, gate.NumElements(), 1 << 15, [&](int64_t begin, int64_t end) {
      // σ(g) of a cache-sized block at a time
      constexpr int64_t kBlock = 2048;
      Eigen::ArrayXf s(kBlock);
      for (int64_t at = begin; at < end; at += kBlock) {
        const int64_t n = std::min(kBlock, end - at);
        ConstRow g(G + at, n);
        ConstRow d(DY + at, n);
        auto sig = s.head(n);
        sig = 1.f / (1.f + (-g).exp());
        Row(DU + at, n) = d * g * sig;
        Row(DG + at, n) = d * ConstRow(U + at, n) * sig * (1.f + g * (1.f - sig));
      }
    });
  }
};

class AdamW : public OpKernel {
 public:
  explicit AdamW(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("N", &n_));
    OP_REQUIRES_OK(c, c->GetAttr("lrs", &lrs_));
    OP_REQUIRES_OK(c, c->GetAttr("beta1", &beta1_));
    OP_REQUIRES_OK(c, c->GetAttr("beta2", &beta2_));
    OP_REQUIRES_OK(c, c->GetAttr("epsilon", &epsilon_));
    OP_REQUIRES_OK(c, c->GetAttr("weight_decay", &weight_decay_));
    OP_REQUIRES_OK(c, c->GetAttr("step", &step_));
    OP_REQUIRES(c, static_cast<int>(lrs_.size()) == n_, tensorflow::errors::InvalidArgument("lrs must hold one learning rate per parameter"));
  }
  void Compute(OpKernelContext* c) override {
    // the moments in float, the bias corrections in double, as torch's single-tensor AdamW
    const double bias1 = 1.0 - std::pow(static_cast<double>(beta1_), static_cast<double>(step_));
    const float inv_sqrt_bias2 = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(static_cast<double>(beta2_), static_cast<double>(step_))));
    const float b1 = beta1_;
    const float b2 = beta2_;
    const float eps = epsilon_;
    for (int i = 0; i < n_; i++) {
      const Tensor& p = c->input(i);
      const Tensor& g = c->input(n_ + i);
      const Tensor& m = c->input(2 * n_ + i);
      const Tensor& v = c->input(3 * n_ + i);
      OP_REQUIRES(c, g.shape() == p.shape() && m.shape() == p.shape() && v.shape() == p.shape(),
                  tensorflow::errors::InvalidArgument("parameter ", i, ": p, g, m and v must have the same shape"));
      Tensor* p2 = nullptr;
      Tensor* m2 = nullptr;
      Tensor* v2 = nullptr;
      OP_REQUIRES_OK(c, c->allocate_output(i, p.shape(), &p2));
      OP_REQUIRES_OK(c, c->allocate_output(n_ + i, p.shape(), &m2));
      OP_REQUIRES_OK(c, c->allocate_output(2 * n_ + i, p.shape(), &v2));
      const float lr = lrs_[i];
      const float decay = 1.f - lr * weight_decay_;
      const float step_size = static_cast<float>(lr / bias1);
      const float* P = p.flat<float>().data();
      const float* G = g.flat<float>().data();
      const float* M = m.flat<float>().data();
      const float* V = v.flat<float>().data();
      float* P2 = p2->flat<float>().data();
      float* M2 = m2->flat<float>().data();
      float* V2 = v2->flat<float>().data();
      ForShards(c, p.NumElements(), 1 << 16, [&](int64_t begin, int64_t end) {
        for (int64_t j = begin; j < end; j++) {
          const float gj = G[j];
          const float mj = b1 * M[j] + (1.f - b1) * gj;
          const float vj = b2 * V[j] + (1.f - b2) * gj * gj;
          M2[j] = mj;
          V2[j] = vj;
          P2[j] = P[j] * decay - step_size * mj / (std::sqrt(vj) * inv_sqrt_bias2 + eps);
        }
      });
    }
  }

 private:
  int n_;
  std::vector<float> lrs_;
  float beta1_, beta2_, epsilon_, weight_decay_;
  int step_;
};

}  // namespace

REGISTER_OP("VlmBiasGelu").Input("x: float").Input("bias: float").Output("y: float");
REGISTER_OP("VlmBiasGeluGrad").Input("dy: float").Input("x: float").Input("bias: float").Output("dx: float").Output("dbias: float");
REGISTER_OP("VlmLayerNorm").Input("x: float").Input("gamma: float").Input("beta: float").Attr("epsilon: float").Attr("rms: bool = false").Output("y: float").Output("mean: float").Output("rstd: float");
REGISTER_OP("VlmLayerNormGrad").Input("dy: float").Input("x: float").Input("gamma: float").Input("mean: float").Input("rstd: float").Attr("rms: bool = false").Output("dx: float").Output("dgamma: float").Output("dbeta: float");
REGISTER_OP("VlmSwiglu").Input("gate: float").Input("up: float").Output("y: float");
REGISTER_OP("VlmSwigluGrad").Input("dy: float").Input("gate: float").Input("up: float").Output("dgate: float").Output("dup: float");
REGISTER_OP("VlmAdamW")
    .Input("p: N * float").Input("g: N * float").Input("m: N * float").Input("v: N * float")
    .Attr("N: int >= 1").Attr("lrs: list(float)").Attr("beta1: float").Attr("beta2: float").Attr("epsilon: float").Attr("weight_decay: float").Attr("step: int")
    .Output("p_out: N * float").Output("m_out: N * float").Output("v_out: N * float");

REGISTER_KERNEL_BUILDER(Name("VlmBiasGelu").Device(tensorflow::DEVICE_CPU), BiasGelu);
REGISTER_KERNEL_BUILDER(Name("VlmBiasGeluGrad").Device(tensorflow::DEVICE_CPU), BiasGeluGrad);
REGISTER_KERNEL_BUILDER(Name("VlmLayerNorm").Device(tensorflow::DEVICE_CPU), LayerNorm);
REGISTER_KERNEL_BUILDER(Name("VlmLayerNormGrad").Device(tensorflow::DEVICE_CPU), LayerNormGrad);
REGISTER_KERNEL_BUILDER(Name("VlmAdamW").Device(tensorflow::DEVICE_CPU), AdamW);
REGISTER_KERNEL_BUILDER(Name("VlmSwiglu").Device(tensorflow::DEVICE_CPU), Swiglu);
REGISTER_KERNEL_BUILDER(Name("VlmSwigluGrad").Device(tensorflow::DEVICE_CPU), SwigluGrad);

// The ops' interface version: @vlm/connectors loads the library only when it expects this one (bump it
// whenever an op's inputs, outputs or attributes change).
constexpr uint32_t kOpsVersion = 2;

// A Node-API module that exports only `version`: loading it registers the ops above (static
// initialisers) with the TensorFlow library the binding already loaded; the module record keeps Node from
// unloading it.
static napi_value Init(napi_env env, napi_value exports) {
  napi_value version;
  if (napi_create_uint32(env, kOpsVersion, &version) == napi_ok) napi_set_named_property(env, exports, "version", version);
  return exports;
}
NAPI_MODULE(vlm_tf_ops, Init)
