/**
 * Calibration of classifier probabilities: {@link io.github.tempered.calibration.TemperatureScaler}
 * fits the temperature of temperature scaling (Guo et al. 2017) and returns a {@link
 * io.github.tempered.calibration.TemperatureFit}, which applies it to new logits.
 */
package io.github.tempered.calibration;
