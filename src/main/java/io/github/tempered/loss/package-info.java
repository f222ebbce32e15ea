/**
 * Losses that match PyTorch exactly: {@link io.github.tempered.loss.CrossEntropyLoss}, with a
 * temperature, per-class weights, an ignore index, label smoothing and probability targets.
 */
package io.github.tempered.loss;
