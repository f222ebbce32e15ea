/**
 * Spark ML pipeline stages for calibration at scale: {@link
 * io.github.tempered.spark.TemperatureScaling} fits the temperature of temperature scaling to a
 * Spark dataset with one distributed pass per iteration of {@link
 * io.github.tempered.calibration.TemperatureScaler}'s method, {@link
 * io.github.tempered.spark.TemperatureScalingModel} adds the calibrated probabilities, and {@link
 * io.github.tempered.spark.MulticlassCalibrationEvaluator} computes a {@link
 * io.github.tempered.calibration.CalibrationReport} merged across partitions. The data stay where
 * they are; the driver receives a number of values that does not depend on the number of rows.
 *
 * <p>Spark ({@code spark-sql} and {@code spark-mllib} for Scala 2.13, 3.5) is a provided
 * dependency: the cluster supplies it, and the rest of Tempered works without it.
 */
package io.github.tempered.spark;
