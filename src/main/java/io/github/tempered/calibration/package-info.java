/**
 * Calibration of classifier probabilities: fitting calibration maps on held-out data, the metrics
 * that judge them, and reliability diagrams.
 *
 * <p>Every method fits behind one interface, {@link io.github.tempered.calibration.Calibrator}, and
 * returns an immutable {@link io.github.tempered.calibration.Calibration} that maps new logits to
 * calibrated probabilities:
 *
 * <ul>
 *   <li>{@link io.github.tempered.calibration.TemperatureScaler} ({@code softmax(z / T)}, Guo et
 *       al. 2017), {@link io.github.tempered.calibration.VectorScaler} ({@code softmax(w * z + b)})
 *       and {@link io.github.tempered.calibration.MatrixScaler} ({@code softmax(W z + b)}, and on
 *       log-probabilities Dirichlet calibration, Kull et al. 2019, with their ODIR penalty): convex
 *       fits solved in float64 to the optimum (a gradient norm of {@code 1e-8}), whose fits wrap a
 *       trained block ({@link io.github.tempered.nn.TemperatureScaledBlock}, {@link
 *       io.github.tempered.nn.AffineScaledBlock}) that {@code Model.save} keeps;
 *   <li>{@link io.github.tempered.calibration.PlattScaler}: Platt scaling of a binary classifier's
 *       score;
 *   <li>{@link io.github.tempered.calibration.IsotonicCalibrator} and {@link
 *       io.github.tempered.calibration.HistogramBinning}: non-parametric maps of binary scores, or
 *       one-vs-rest of multiclass probabilities, whose fits are written and read as JSON.
 * </ul>
 *
 * <p>Multiclass inputs are logits {@code (N, C)} with class indices {@code (N)}; binary inputs are
 * one score (logit) per row, {@code (N)} or {@code (N, 1)}, with labels 0/1, and give {@code P(y =
 * 1)} of shape {@code (N)}.
 *
 * <p>Metrics: {@link io.github.tempered.calibration.CalibrationReport} (ECE, MCE, adaptive and
 * classwise ECE, Brier score, NLL, accuracy and the bin table, multiclass or binary), DJL
 * evaluators ({@link io.github.tempered.calibration.ExpectedCalibrationError}, {@link
 * io.github.tempered.calibration.NegativeLogLikelihood}, {@link
 * io.github.tempered.calibration.BrierScore}) and reliability diagrams ({@link
 * io.github.tempered.calibration.ReliabilityDiagram}).
 */
package io.github.tempered.calibration;
