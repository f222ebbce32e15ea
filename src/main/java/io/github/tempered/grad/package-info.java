/**
 * Gradient tooling: engine-owned arrays that are safe inside autograd graphs ({@link
 * io.github.tempered.grad.OwnedArrays}).
 */
package io.github.tempered.grad;
