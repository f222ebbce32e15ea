/**
 * Calibration of classifier probabilities: {@link io.github.tempered.calibration.TemperatureScaler}
 * fits the temperature of temperature scaling (Guo et al. 2017) and returns a {@link
 * io.github.tempered.calibration.TemperatureFit}, which applies it to new logits; metrics ({@link
 * io.github.tempered.calibration.CalibrationReport}), DJL evaluators ({@link
 * io.github.tempered.calibration.ExpectedCalibrationError}, {@link
 * io.github.tempered.calibration.NegativeLogLikelihood}, {@link
 * io.github.tempered.calibration.BrierScore}) and reliability diagrams ({@link
 * io.github.tempered.calibration.ReliabilityDiagram}).
 */
package io.github.tempered.calibration;
