/**
 * Blocks with a temperature: {@link io.github.tempered.nn.TemperatureSoftmax} ({@code softmax(x /
 * T)} or {@code log_softmax(x / T)}, with a fixed or learnable {@code T}) and {@link
 * io.github.tempered.nn.TemperatureScaledBlock} (a trained classifier wrapped with a fitted
 * temperature, giving calibrated logits or probabilities).
 *
 * <p>A learnable or fitted temperature is a DJL {@link ai.djl.nn.Parameter} holding {@code log T},
 * so it stays positive and {@code Model.save} / {@code Model.load} keep it.
 */
package io.github.tempered.nn;
