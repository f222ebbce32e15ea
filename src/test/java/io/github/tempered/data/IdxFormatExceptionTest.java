package io.github.tempered.data;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertTrue;

import java.io.IOException;
import java.util.zip.ZipException;
import org.testng.annotations.Test;

/** The message, file and cause of {@link IdxFormatException}. */
public class IdxFormatExceptionTest {

    @Test
    public void messageStartsWithTheFile() {
        IdxFormatException e = new IdxFormatException("/data/x.gz", "truncated header");
        assertEquals(e.getMessage(), "/data/x.gz: truncated header");
        assertEquals(e.getFile(), "/data/x.gz");
        assertNull(e.getCause());
        assertTrue(e instanceof IOException, "an IOException");
    }

    @Test
    public void keepsTheCause() {
        ZipException cause = new ZipException("invalid stored block lengths");
        IdxFormatException e = new IdxFormatException("y.gz", "corrupt gzip data", cause);
        assertEquals(e.getMessage(), "y.gz: corrupt gzip data");
        assertEquals(e.getFile(), "y.gz");
        assertSame(e.getCause(), cause);
    }
}
