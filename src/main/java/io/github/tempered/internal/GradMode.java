package io.github.tempered.internal;

import ai.djl.pytorch.jni.JniUtils;

/** Whether autograd is recording: the one place Tempered calls the PyTorch engine's JNI layer. */
public final class GradMode {

    private GradMode() {}

    /**
     * Returns whether PyTorch's grad mode is on, i.e. whether the caller runs inside a {@code
     * GradientCollector} and operations are recorded for backward.
     *
     * @return {@code true} inside a gradient collector
     */
    public static boolean isRecording() {
        return JniUtils.isGradMode();
    }
}
