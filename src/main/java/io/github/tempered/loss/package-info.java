/**
 * Losses that match PyTorch exactly: {@link io.github.tempered.loss.CrossEntropyLoss}, with a
 * temperature, per-class weights, an ignore index, label smoothing and probability targets; {@link
 * io.github.tempered.loss.DistillationLoss}, knowledge distillation with a temperature (Hinton et
 * al. 2015); and {@link io.github.tempered.loss.LinearCrossEntropyLoss}, the cross-entropy fused
 * with a linear classifier and computed in chunks, for vocabularies too large for the full logits.
 */
package io.github.tempered.loss;
