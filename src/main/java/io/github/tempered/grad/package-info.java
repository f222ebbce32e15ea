/**
 * Gradient tooling: {@link io.github.tempered.grad.GradCheck} compares DJL's autograd ({@link
 * ai.djl.training.GradientCollector}) with central finite differences in float64, like PyTorch's
 * {@code torch.autograd.gradcheck}; {@link io.github.tempered.grad.GradientDemo} walks through
 * softmax, cross-entropy and a backward pass step by step; {@link
 * io.github.tempered.internal.OwnedArrays} creates engine-owned arrays that stay valid inside an
 * autograd graph.
 */
package io.github.tempered.grad;
