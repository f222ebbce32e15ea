/**
 * Calibration: metrics ({@link io.github.tempered.calibration.CalibrationReport}), DJL evaluators
 * ({@link io.github.tempered.calibration.ExpectedCalibrationError}, {@link
 * io.github.tempered.calibration.NegativeLogLikelihood}, {@link
 * io.github.tempered.calibration.BrierScore}) and reliability diagrams ({@link
 * io.github.tempered.calibration.ReliabilityDiagram}).
 */
package io.github.tempered.calibration;
