//! Training kernels the flex CPU backend lacks or runs slowly, plugged into burn through its
//! backend-extension mechanism: each is an operation of the [`CpuKernels`] trait, with a flex
//! implementation (the forward) and an `Autodiff<Flex>` one that records a hand-written backward.
//! A profile of a CNN training step put a quarter of its time in flex's general max-pool and a
//! large share in burn's generic convolution weight gradient (a convolution over swapped
//! batch/channel dims, parallel only over input channels); a ViT step spent two fifths of its time
//! in its attention's many small batched products and the copies that split the heads out and
//! back (with the softmax decomposed by autodiff into separate passes); and flex's elementwise
//! kernels, GELU among them, run on one thread at these models' sizes.
//!
//! Adam's update, a dozen separate passes per parameter in burn, is one fused parallel pass here
//! ([`adam_step`], which [`crate::optim::FusedAdam`] calls).
//!
//! The models call the `Tensor`-level functions here ([`max_pool2d`], [`conv2d`], [`attention`],
//! [`gelu`]); on any other backend, or for a configuration these kernels do not cover, those fall
//! back to burn's own operation, so they compute the same thing everywhere. Every kernel is
//! tested against burn's implementation. None splits a sum between threads (a long sum is cut
//! into parts of a fixed size, added in order), so results do not depend on the number of
//! threads.

mod adam;
mod attention;
mod autodiff;
mod conv;
mod exp;
mod gelu;
mod lanes;
mod matmul;
mod pool;
mod softmax;

use burn::backend::flex::FlexTensor;
use burn::backend::ops::{ConvOptions, MaxPoolOptions};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Dispatch, Flex, backend_extension};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::{DType, Device, Tensor, TensorData};

pub use adam::AdamStep;

#[backend_extension(Flex, Autodiff)]
pub trait CpuKernels: burn::backend::Backend {
    /// Max-pooling over non-overlapping `size`×`size` windows (stride `size`, no padding; the
    /// sides are floored to whole windows), for a `size` in `pool::SIDES`.
    fn max_pool_square(x: FloatTensor<Self>, size: usize) -> FloatTensor<Self>;

    /// 2-D convolution with bias, one group and no dilation.
    fn conv2d_biased(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self>;

    /// Multi-head self-attention's core, `softmax(Q·Kᵀ/√d)·V` per head, on `[batch, tokens,
    /// heads·d]` queries, keys and values; the context in the same shape.
    fn attention(
        query: FloatTensor<Self>,
        key: FloatTensor<Self>,
        value: FloatTensor<Self>,
        heads: usize,
    ) -> FloatTensor<Self>;

    /// GELU (the exact one, with `erf`).
    fn gelu(x: FloatTensor<Self>) -> FloatTensor<Self>;

    /// One Adam step: the parameter and its two moments after `step` with `grad`.
    fn adam_update(
        param: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        moment_1: FloatTensor<Self>,
        moment_2: FloatTensor<Self>,
        step: AdamStep,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

impl CpuKernels for Flex {
    fn max_pool_square(x: FlexTensor, size: usize) -> FlexTensor {
        pool::forward(&x, size)
    }

    fn conv2d_biased(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        options: ConvOptions<2>,
    ) -> FlexTensor {
        conv::forward(&x, &weight, &bias, &options)
    }

    fn attention(
        query: FlexTensor,
        key: FlexTensor,
        value: FlexTensor,
        heads: usize,
    ) -> FlexTensor {
        attention::forward(&query, &key, &value, heads).0
    }

    fn gelu(x: FlexTensor) -> FlexTensor {
        gelu::forward(&x).0
    }

    fn adam_update(
        param: FlexTensor,
        grad: FlexTensor,
        moment_1: FlexTensor,
        moment_2: FlexTensor,
        step: AdamStep,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        adam::step(param, &grad, moment_1, moment_2, step)
    }
}

/// Whether these kernels run `tensor`: an `f32` tensor on flex (with or without autodiff).
fn on_flex_f32<const D: usize>(tensor: &Tensor<D>) -> bool {
    tensor.dtype() == DType::F32 && tensor.device().inner() == Device::flex()
}

/// `size`×`size` max-pooling with stride `size` and no padding, as burn's
/// `MaxPool2dConfig::new([size, size])` computes it.
pub fn max_pool2d(x: Tensor<4>, size: usize) -> Tensor<4> {
    if on_flex_f32(&x) && pool::SIDES.contains(&size) {
        Tensor::from_dispatch(<Dispatch as CpuKernels>::max_pool_square(
            x.into_dispatch(),
            size,
        ))
    } else {
        burn::tensor::module::max_pool2d(x, MaxPoolOptions::new([size, size]))
    }
}

/// `softmax(Q·Kᵀ/√d)·V` for each of `heads` heads of `[batch, tokens, heads·d]` queries, keys and
/// values (head `h` in columns `h·d..(h+1)·d`), the context in the same layout: what burn's
/// `MultiHeadAttention` computes between its projections (no mask, no dropout).
pub fn attention(query: Tensor<3>, key: Tensor<3>, value: Tensor<3>, heads: usize) -> Tensor<3> {
    if [&query, &key, &value].iter().all(|t| on_flex_f32(t)) {
        return Tensor::from_dispatch(<Dispatch as CpuKernels>::attention(
            query.into_dispatch(),
            key.into_dispatch(),
            value.into_dispatch(),
            heads,
        ));
    }
    burn_attention(query, key, value, heads)
}

/// The attention core composed of burn's operations, as its `MultiHeadAttention` computes it
/// between the projections: what [`attention`] computes off flex, and the kernel's reference.
fn burn_attention(query: Tensor<3>, key: Tensor<3>, value: Tensor<3>, heads: usize) -> Tensor<3> {
    let [batch, tokens, dim] = query.dims();
    let split = |x: Tensor<3>| {
        x.reshape([batch, tokens, heads, dim / heads])
            .swap_dims(1, 2)
    };
    let scores = split(query)
        .matmul(split(key).transpose())
        .div_scalar(((dim / heads) as f32).sqrt());
    burn::tensor::activation::softmax(scores, 3)
        .matmul(split(value))
        .swap_dims(1, 2)
        .reshape([batch, tokens, dim])
}

/// `burn::tensor::activation::gelu(x)`.
pub fn gelu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if on_flex_f32(&x) {
        Tensor::from_dispatch(<Dispatch as CpuKernels>::gelu(x.into_dispatch()))
    } else {
        burn::tensor::activation::gelu(x)
    }
}

/// Whether [`adam_step`] runs a parameter like `param` (an `f32` tensor on flex); elsewhere an
/// optimizer takes burn's own Adam.
pub fn adam_applies<const D: usize>(param: &Tensor<D>) -> bool {
    on_flex_f32(param)
}

/// One Adam step on flex: `(param, moment_1, moment_2)` after `step` with `grad`, all four of
/// one shape and on flex (see [`adam_applies`]), in a single parallel pass, bit for bit burn's
/// `Adam`.
pub fn adam_step<const D: usize>(
    param: Tensor<D>,
    grad: Tensor<D>,
    moment_1: Tensor<D>,
    moment_2: Tensor<D>,
    step: AdamStep,
) -> (Tensor<D>, Tensor<D>, Tensor<D>) {
    let (param, moment_1, moment_2) = <Dispatch as CpuKernels>::adam_update(
        param.into_dispatch(),
        grad.into_dispatch(),
        moment_1.into_dispatch(),
        moment_2.into_dispatch(),
        step,
    );
    (
        Tensor::from_dispatch(param),
        Tensor::from_dispatch(moment_1),
        Tensor::from_dispatch(moment_2),
    )
}

/// `conv.forward(x)`, through [`CpuKernels::conv2d_biased`] where it applies (flex, a bias, one
/// group, no dilation).
pub fn conv2d(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    let Some(bias) = conv.bias.as_ref() else {
        return conv.forward(x);
    };
    if !on_flex_f32(&x) || conv.groups != 1 || conv.dilation != [1, 1] {
        return conv.forward(x);
    }
    let Some([rows, cols]) = padding(&conv.padding, conv.kernel_size, conv.stride) else {
        return conv.forward(x);
    };
    let options = ConvOptions::new_with_padding(conv.stride, [rows, cols], [1, 1], 1);
    Tensor::from_dispatch(<Dispatch as CpuKernels>::conv2d_biased(
        x.into_dispatch(),
        conv.weight.val().into_dispatch(),
        bias.val().into_dispatch(),
        options,
    ))
}

/// `(before, after)` padding of the rows and of the columns. `Same` only where it does not depend
/// on the image size (stride 1, odd kernel: half the kernel each side); `None` elsewhere.
fn padding(
    config: &PaddingConfig2d,
    kernel: [usize; 2],
    stride: [usize; 2],
) -> Option<[(usize, usize); 2]> {
    match *config {
        PaddingConfig2d::Valid => Some([(0, 0); 2]),
        PaddingConfig2d::Explicit(top, left, bottom, right) => Some([(top, bottom), (left, right)]),
        PaddingConfig2d::Same if stride == [1, 1] && kernel.iter().all(|k| k % 2 == 1) => {
            Some(kernel.map(|k| (k / 2, k / 2)))
        }
        PaddingConfig2d::Same => None,
    }
}

/// The `f32` values of a flex tensor in row-major order (copied only if it is a strided view).
fn values(tensor: &FlexTensor) -> std::borrow::Cow<'_, [f32]> {
    match tensor.as_slice::<f32>() {
        Some(values) => values.into(),
        None => tensor
            .to_contiguous()
            .as_slice::<f32>()
            .expect("a contiguous f32 tensor")
            .to_vec()
            .into(),
    }
}

/// A flex tensor owning `values` in row-major order.
fn flex_tensor(values: Vec<f32>, shape: impl Into<Vec<usize>>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape.into()))
}

#[cfg(test)]
mod tests;
