/**
 * Losses that match PyTorch exactly: {@link io.github.tempered.loss.CrossEntropyLoss}, with a
 * temperature, per-class weights, an ignore index, label smoothing and probability targets, and
 * {@link io.github.tempered.loss.DistillationLoss}, knowledge distillation with a temperature
 * (Hinton et al. 2015).
 */
package io.github.tempered.loss;
