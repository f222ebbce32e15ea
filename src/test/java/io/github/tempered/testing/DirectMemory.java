package io.github.tempered.testing;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Frees and overwrites unreachable direct buffers, to catch native arrays that still point into
 * Java memory an {@code evaluate} call has released (PyTorch on the CPU wraps the buffers of arrays
 * made from Java data without copying them).
 */
public final class DirectMemory {

    private DirectMemory() {}

    /**
     * Runs the garbage collector, waits for the cleaner to free unreachable direct buffers, then
     * allocates new direct buffers filled with {@code 0x7f} so that freed memory is reused.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public static void recycle() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
        }
        List<ByteBuffer> junk = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(8 * (i % 64 + 1));
            while (buffer.hasRemaining()) {
                buffer.put((byte) 0x7f);
            }
            junk.add(buffer);
        }
    }
}
