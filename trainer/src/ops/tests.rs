//! Every kernel against burn's own operation on the same inputs, forward and gradients, on odd
//! sizes, padding and batch 1. Tolerance: 1e-4 relative to the largest magnitude compared (the two
//! sum the same products in a different order).

use burn::backend::ops::{ConvOptions, MaxPoolOptions};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2dConfig;
use burn::tensor::{Device, Gradients, Tensor, TensorData};

use super::{conv2d, max_pool2d};

fn device() -> Device {
    Device::flex().autodiff()
}

/// Values in [-1, 1) from a fixed hash of `seed` and the index (no global generator involved).
fn values(len: usize, seed: u64) -> Vec<f32> {
    (0..len as u64)
        .map(|i| {
            let mut z = (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ seed.wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 31)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

fn tensor<const D: usize>(shape: [usize; D], seed: u64) -> Tensor<D> {
    let len = shape.iter().product();
    Tensor::from_data(TensorData::new(values(len, seed), shape), &device()).require_grad()
}

#[track_caller]
fn assert_close<const D: usize>(ours: Tensor<D>, reference: Tensor<D>, what: &str) {
    assert_eq!(ours.dims(), reference.dims(), "{what}: shape");
    let ours = ours.into_data().try_to_vec::<f32>().unwrap();
    let reference = reference.into_data().try_to_vec::<f32>().unwrap();
    let scale = reference.iter().fold(1f32, |m, v| m.max(v.abs()));
    for (i, (a, b)) in ours.iter().zip(&reference).enumerate() {
        assert!(
            (a - b).abs() <= 1e-4 * scale,
            "{what}: element {i} is {a}, burn's {b}"
        );
    }
}

/// The gradients of `ours` and of `reference` under one loss that weighs every output
/// differently (weights from `seed`), once their outputs are checked to agree.
#[track_caller]
fn compare_outputs<const D: usize>(
    ours: Tensor<D>,
    reference: Tensor<D>,
    seed: u64,
    what: &str,
) -> [Gradients; 2] {
    let weights = tensor(reference.dims(), seed).detach();
    let grads = [&ours, &reference].map(|out| (out.clone() * weights.clone()).sum().backward());
    assert_close(ours, reference, what);
    grads
}

/// Checks that `input`'s gradient is the same in both `grads`.
#[track_caller]
fn assert_same_grad<const D: usize>(
    input: &Tensor<D>,
    [ours, reference]: &[Gradients; 2],
    what: &str,
) {
    assert_close(
        input.grad(ours).unwrap(),
        input.grad(reference).unwrap(),
        what,
    );
}

/// Output and input gradient of our max-pooling and of burn's on `x`, with a loss that weighs
/// every output differently.
fn compare_pool(x: Tensor<4>, size: usize) {
    let ours = max_pool2d(x.clone(), size);
    let reference = burn::tensor::module::max_pool2d(x.clone(), MaxPoolOptions::new([size, size]));
    let what = format!("max-pool {size} over {:?}", x.dims());
    let grads = compare_outputs(ours, reference, 2, &what);
    assert_same_grad(&x, &grads, &format!("{what}, input gradient"));
}

#[test]
fn max_pool_matches_burn() {
    let _serial = crate::serial();
    compare_pool(tensor([1, 1, 5, 7], 1), 2);
    compare_pool(tensor([2, 3, 8, 8], 1), 2);
    compare_pool(tensor([3, 2, 9, 10], 1), 3);
    compare_pool(tensor([2, 2, 9, 13], 1), 4);
    compare_pool(tensor([1, 1, 1, 1], 1), 2);
    // A side the kernels leave to burn.
    compare_pool(tensor([1, 2, 11, 10], 1), 5);
}

#[test]
fn max_pool_gives_a_tied_window_s_gradient_to_its_first_maximum() {
    let _serial = crate::serial();
    // Values in {-1, -0.5, -0, 0, 0.5}: most windows hold ties, some of +0 against -0.
    for size in [2, 3] {
        let dims = [2, 3, 7, 8];
        let tied = values(dims.iter().product(), 5)
            .into_iter()
            .map(|v| (v * 2.0).round() / 2.0)
            .collect::<Vec<_>>();
        let x = Tensor::from_data(TensorData::new(tied, dims), &device()).require_grad();
        compare_pool(x, size);
    }
}

#[test]
fn max_pool_takes_a_nan_as_the_maximum() {
    let _serial = crate::serial();
    let x = Tensor::<4>::from_data(
        TensorData::new(vec![1.0, f32::NAN, 3.0, 2.0], [1, 1, 2, 2]),
        &device(),
    );
    assert!(max_pool2d(x, 2).into_scalar::<f32>().is_nan());
}

fn compare_conv(
    dims: [usize; 4],
    out_channels: usize,
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [(usize, usize); 2],
) {
    let what = format!("conv {kernel:?} stride {stride:?} padding {padding:?} over {dims:?}");
    let module = Conv2dConfig::new([dims[1], out_channels], kernel)
        .with_stride(stride)
        .with_padding(PaddingConfig2d::Explicit(
            padding[0].0,
            padding[1].0,
            padding[0].1,
            padding[1].1,
        ))
        .init(&device());
    let x = tensor(dims, 3);
    let weight = tensor(module.weight.dims(), 4);
    let bias = tensor([out_channels], 5);
    let module = burn::nn::conv::Conv2d {
        weight: burn::module::Param::from_tensor(weight.clone()),
        bias: Some(burn::module::Param::from_tensor(bias.clone())),
        ..module
    };
    let ours = conv2d(&module, x.clone());
    let reference = burn::tensor::module::conv2d(
        x.clone(),
        weight.clone(),
        Some(bias.clone()),
        ConvOptions::new_with_padding(stride, padding, [1, 1], 1),
    );
    let grads = compare_outputs(ours, reference, 6, &what);
    assert_same_grad(&x, &grads, &format!("{what}, input gradient"));
    assert_same_grad(&weight, &grads, &format!("{what}, weight gradient"));
    assert_same_grad(&bias, &grads, &format!("{what}, bias gradient"));
}

#[test]
fn conv2d_matches_burn() {
    let _serial = crate::serial();
    // The CNN's blocks ("same" 3×3), at batch 1 and odd sides.
    compare_conv([1, 3, 7, 5], 4, [3, 3], [1, 1], [(1, 1), (1, 1)]);
    compare_conv([2, 5, 9, 9], 6, [3, 3], [1, 1], [(1, 1), (1, 1)]);
    // The ViT's patch embedding: stride = kernel, leftover pixels dropped.
    compare_conv([3, 1, 10, 9], 8, [4, 4], [4, 4], [(0, 0), (0, 0)]);
    // A non-square kernel, a stride that is not the kernel, uneven padding.
    compare_conv([2, 2, 8, 11], 3, [2, 3], [2, 1], [(1, 0), (2, 1)]);
    // Runs of 14 samples under the tests' im2col budget, their weight gradients in parts of 8.
    compare_conv([19, 1, 4, 4], 2, [3, 3], [1, 1], [(1, 1), (1, 1)]);
    // Runs of 2 and 1 samples of 256 positions: im2col rows of 512 and 256 values, padded.
    compare_conv([3, 1, 17, 17], 2, [2, 2], [1, 1], [(0, 0), (0, 0)]);
}

/// `work` on a rayon pool of `threads` threads.
fn on_threads<R: Send>(threads: usize, work: impl FnOnce() -> R + Send) -> R {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(work)
}

/// The kernels split their work between threads but never a sum, so one thread and two give the
/// same bits.
#[test]
fn kernels_give_the_same_bits_on_one_and_two_threads() {
    let _serial = crate::serial();
    let run = |threads: usize| {
        on_threads(threads, || {
            let module = Conv2dConfig::new([3, 8], [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .init(&device());
            let weight = tensor([8, 3, 3, 3], 7);
            let module = burn::nn::conv::Conv2d {
                weight: burn::module::Param::from_tensor(weight.clone()),
                bias: Some(burn::module::Param::from_tensor(tensor([8], 8))),
                ..module
            };
            let x = tensor([16, 3, 12, 12], 9);
            let out = max_pool2d(conv2d(&module, x.clone()), 2);
            let grads = (out.clone() * tensor(out.dims(), 10).detach())
                .sum()
                .backward();
            [
                out.into_data(),
                x.grad(&grads).unwrap().into_data(),
                weight.grad(&grads).unwrap().into_data(),
            ]
        })
    };
    assert_eq!(run(1), run(2));
}

#[test]
fn attention_matches_burn() {
    let _serial = crate::serial();
    // One token; odd sizes; the ViT's 49 tokens of 4 heads at 28×28; query blocks of 64, 64
    // and 22 rows, whose key and value gradients add up block after block.
    for (dims, heads, seed) in [
        ([1, 1, 4], 1, 11),
        ([2, 5, 12], 3, 12),
        ([3, 49, 64], 4, 13),
        ([2, 150, 16], 2, 14),
    ] {
        let [q, k, v] = [0, 1, 2].map(|i| {
            tensor(dims, seed + i)
                .mul_scalar(2.0)
                .detach()
                .require_grad()
        });
        let ours = super::attention(q.clone(), k.clone(), v.clone(), heads);
        let reference = super::burn_attention(q.clone(), k.clone(), v.clone(), heads);
        let what = format!("attention over {dims:?}, {heads} heads");
        let grads = compare_outputs(ours, reference, seed + 100, &what);
        for (x, name) in [(&q, "query"), (&k, "key"), (&v, "value")] {
            assert_same_grad(x, &grads, &format!("{what}, {name} gradient"));
        }
    }
}

#[test]
fn attention_gives_the_same_bits_on_one_and_two_threads() {
    let _serial = crate::serial();
    let run = |threads: usize| {
        on_threads(threads, || {
            let [q, k, v] = [0, 1, 2].map(|i| tensor([6, 70, 16], 30 + i));
            let out = super::attention(q.clone(), k.clone(), v.clone(), 4);
            let grads = (out.clone() * tensor(out.dims(), 40).detach())
                .sum()
                .backward();
            [out.into_data()]
                .into_iter()
                .chain([q, k, v].map(|x| x.grad(&grads).unwrap().into_data()))
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(run(1), run(2));
}

/// The comparisons above would pass trivially if the kernels fell back to burn's operations.
#[test]
fn the_kernels_run_on_flex_with_and_without_autodiff() {
    let _serial = crate::serial();
    for device in [Device::flex(), device()] {
        assert!(super::on_flex_f32(&Tensor::<1>::zeros([2], &device)));
    }
}

#[test]
fn gelu_matches_burn() {
    let _serial = crate::serial();
    // More elements than one parallel task takes, spread over the curve's bend.
    for (dims, seed) in [([1, 1, 1], 21), ([3, 49, 128], 22)] {
        let x = tensor(dims, seed).mul_scalar(4.0).detach().require_grad();
        let ours = super::gelu(x.clone());
        let reference = burn::tensor::activation::gelu(x.clone());
        let what = format!("gelu over {dims:?}");
        let grads = compare_outputs(ours, reference, seed + 100, &what);
        assert_same_grad(&x, &grads, &format!("{what}, input gradient"));
    }
}
