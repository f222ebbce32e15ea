/**
 * Helpers shared by Tempered's packages. <b>Not API</b>: nothing here is meant to be called by
 * users, may change in any release without notice, and is left out of the javadoc jar.
 *
 * <p>It holds the scoped-array and engine-owned-array helpers, the one class-index reader, the
 * input checks (axes, data types, non-finite values), float16 widening inside the autograd graph,
 * and the one call into the PyTorch engine's JNI layer. It depends on DJL only, never on another
 * Tempered package.
 */
package io.github.tempered.internal;
