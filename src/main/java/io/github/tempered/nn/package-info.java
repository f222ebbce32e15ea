/**
 * Blocks with a temperature or a calibration map: {@link io.github.tempered.nn.TemperatureSoftmax}
 * ({@code softmax(x / T)} or {@code log_softmax(x / T)}, with a fixed or learnable {@code T}),
 * {@link io.github.tempered.nn.TemperatureScaledBlock} (a trained classifier wrapped with a fitted
 * temperature, giving calibrated logits or probabilities) and {@link
 * io.github.tempered.nn.AffineScaledBlock} (a trained classifier wrapped with a fitted affine map
 * of its logits: vector or matrix scaling, Dirichlet calibration, Platt scaling).
 *
 * <p>A learnable or fitted temperature is a DJL {@link ai.djl.nn.Parameter} holding {@code log T},
 * so it stays positive and {@code Model.save} / {@code Model.load} keep it; the affine maps'
 * weights and biases are parameters too. This package does not depend on {@code
 * io.github.tempered.calibration}, whose fits build these blocks.
 */
package io.github.tempered.nn;
