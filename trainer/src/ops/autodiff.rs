//! The kernels under autodiff: the forward on flex, with a backward step that keeps what it needs
//! (the pooling's input and output; the convolution's input and weight; the attention's queries,
//! keys, values and softmax statistics; GELU's input and `Φ`)
//! and calls the flex gradients.

use burn::backend::AutodiffBackend;
use burn::backend::Flex;
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::ops::ConvOptions;
use burn::backend::tensor::FloatTensor;

use super::{AdamStep, CpuKernels, attention, conv, gelu, pool};

#[derive(Debug)]
struct MaxPoolBackward;

impl Backward<Flex, 1> for MaxPoolBackward {
    /// The input, the output and the window side.
    type State = (FlexTensor, FlexTensor, usize);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        if let Some(node) = node {
            let (x, output, size) = ops.state;
            grads.register::<Flex>(node.id, pool::backward(&x, &output, &grad, size));
        }
    }
}

#[derive(Debug)]
struct ConvBackward;

impl Backward<Flex, 3> for ConvBackward {
    /// The input, the weight, the options of the forward and its im2col matrix if it kept it.
    type State = (FlexTensor, FlexTensor, ConvOptions<2>, Option<Vec<f32>>);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let parents = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let (x, weight, options, columns) = ops.state;
        let wanted = parents.each_ref().map(Option::is_some);
        let conv::Gradients {
            input,
            weight,
            bias,
        } = conv::backward(&x, &weight, &grad, &options, wanted, columns.as_deref());
        for (node, grad) in parents.into_iter().zip([input, weight, bias]) {
            if let (Some(node), Some(grad)) = (node, grad) {
                grads.register::<Flex>(node.id, grad);
            }
        }
    }
}

#[derive(Debug)]
struct AttentionBackward;

impl Backward<Flex, 3> for AttentionBackward {
    /// The queries, keys and values, the softmax statistics and the number of heads.
    type State = (FlexTensor, FlexTensor, FlexTensor, FlexTensor, usize);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let grad = grads.consume::<Flex>(&ops.node);
        let (query, key, value, stats, heads) = &ops.state;
        let inputs = attention::backward(query, key, value, stats, &grad, *heads);
        for (node, grad) in ops.parents.into_iter().zip(inputs) {
            if let Some(node) = node {
                grads.register::<Flex>(node.id, grad);
            }
        }
    }
}

#[derive(Debug)]
struct GeluBackward;

impl Backward<Flex, 1> for GeluBackward {
    /// The input and its `Φ(x)`.
    type State = (FlexTensor, FlexTensor);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        if let Some(node) = node {
            let (x, cdf) = &ops.state;
            grads.register::<Flex>(node.id, gelu::backward(x, cdf, &grad));
        }
    }
}

impl<C: CheckpointStrategy> CpuKernels for Autodiff<Flex, C> {
    /// An optimizer updates a parameter outside the graph: nothing to record.
    fn adam_update(
        param: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        moment_1: FloatTensor<Self>,
        moment_2: FloatTensor<Self>,
        step: AdamStep,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let (param, moment_1, moment_2) = Flex::adam_update(
            param.into_primitive(),
            grad.into_primitive(),
            moment_1.into_primitive(),
            moment_2.into_primitive(),
            step,
        );
        (
            Self::from_inner(param),
            Self::from_inner(moment_1),
            Self::from_inner(moment_2),
        )
    }

    fn max_pool_square(x: FloatTensor<Self>, size: usize) -> FloatTensor<Self> {
        match MaxPoolBackward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let x = x.into_primitive();
                let output = pool::forward(&x, size);
                prep.finish((x, output.clone(), size), output)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(Flex::max_pool_square(x.into_primitive(), size))
            }
        }
    }

    fn conv2d_biased(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        match ConvBackward
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (x, weight, bias) = (
                    x.into_primitive(),
                    weight.into_primitive(),
                    bias.into_primitive(),
                );
                let (output, columns) = conv::forward_keeping_columns(&x, &weight, &bias, &options);
                prep.finish((x, weight, options, columns), output)
            }
            OpsKind::UnTracked(prep) => prep.finish(conv::forward(
                &x.into_primitive(),
                &weight.into_primitive(),
                &bias.into_primitive(),
                &options,
            )),
        }
    }

    fn attention(
        query: FloatTensor<Self>,
        key: FloatTensor<Self>,
        value: FloatTensor<Self>,
        heads: usize,
    ) -> FloatTensor<Self> {
        match AttentionBackward
            .prepare::<C>([query.node(), key.node(), value.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (query, key, value) = (
                    query.into_primitive(),
                    key.into_primitive(),
                    value.into_primitive(),
                );
                let (context, stats) = attention::forward(&query, &key, &value, heads);
                prep.finish((query, key, value, stats, heads), context)
            }
            OpsKind::UnTracked(prep) => prep.finish(
                attention::forward(
                    &query.into_primitive(),
                    &key.into_primitive(),
                    &value.into_primitive(),
                    heads,
                )
                .0,
            ),
        }
    }

    fn gelu(x: FloatTensor<Self>) -> FloatTensor<Self> {
        match GeluBackward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let x = x.into_primitive();
                let (output, cdf) = gelu::forward(&x);
                prep.finish((x, cdf), output)
            }
            OpsKind::UnTracked(prep) => prep.finish(gelu::forward(x.primitive()).0),
        }
    }
}
