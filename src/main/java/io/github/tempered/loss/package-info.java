/**
 * Losses that match PyTorch exactly: {@link io.github.tempered.loss.CrossEntropyLoss}, with a
 * temperature, per-class weights, an ignore index, label smoothing and probability targets, and
 * {@link io.github.tempered.loss.LinearCrossEntropyLoss}, the same loss fused with a linear
 * classifier and computed in chunks, for vocabularies too large for the full logits.
 */
package io.github.tempered.loss;
