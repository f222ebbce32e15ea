/**
 * Tempered: PyTorch-exact softmax cross-entropy, temperature scaling and calibration for DJL.
 *
 * <p>Packages by capability: {@code loss} (losses), {@code nn} (blocks), {@code calibration}
 * (temperature fitting, metrics, evaluators, plots), {@code grad} (gradient checking), {@code data}
 * (dataset loaders) and {@code cli} (the {@code tempered} command line).
 */
package io.github.tempered;
