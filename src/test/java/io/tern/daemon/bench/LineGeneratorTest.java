package io.tern.daemon.bench;

import org.agrona.concurrent.SystemEpochNanoClock;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LineGeneratorTest
{
    @Test
    void formatsAndParsesALine()
    {
        final byte[] buffer = new byte[BenchLine.MAX_LENGTH];
        final int length = BenchLine.format(buffer, 0, 12345, 1_764_424_800_123_456_789L);
        final String text = new String(buffer, 0, length, StandardCharsets.US_ASCII);
        assertEquals(BenchLine.LENGTH, length);
        assertTrue(text.startsWith("seq=12345 t=1764424800123456789 "), text);
        final BenchLine.Parsed parsed = new BenchLine.Parsed();
        assertTrue(BenchLine.parse(buffer, 0, length, parsed));
        assertEquals(12345, parsed.seq);
        assertEquals(1_764_424_800_123_456_789L, parsed.epochNanos);

        final byte[] shifted = ("xx" + text).getBytes(StandardCharsets.US_ASCII);
        assertTrue(BenchLine.parse(shifted, 2, shifted.length, parsed));
        assertEquals(12345, parsed.seq);
        assertEquals(0, BenchLine.format(buffer, 0, 0, 5) > 0 ? 0 : 1);
        assertTrue(BenchLine.parse(buffer, 0, BenchLine.format(buffer, 0, 0, 5), parsed));
        assertEquals(0, parsed.seq);
        assertEquals(5, parsed.epochNanos);
    }

    @Test
    void refusesOtherLines()
    {
        final BenchLine.Parsed parsed = new BenchLine.Parsed();
        for (final String line : new String[] {"", "seq=", "seq=1", "seq=1 t=", "seq=x t=1", "[Tern Daemon]: Server marked as running",
            "seq=1 x=2 padding"})
        {
            final byte[] bytes = line.getBytes(StandardCharsets.US_ASCII);
            assertFalse(BenchLine.parse(bytes, 0, bytes.length, parsed), line);
        }
    }

    @Test
    void pacesLinesAtTheRateWithIncreasingSequenceAndStamps() throws IOException
    {
        final List<Long> writeTimes = new ArrayList<>();
        final ByteArrayOutputStream lines = new ByteArrayOutputStream();
        final OutputStream out = new OutputStream()
        {
            @Override
            public void write(final int b)
            {
                lines.write(b);
            }

            @Override
            public void write(final byte[] b, final int off, final int len)
            {
                writeTimes.add(System.nanoTime());
                lines.write(b, off, len);
            }
        };
        final int rate = 200;
        final int count = 100;
        final long before = System.nanoTime();
        final long beforeEpoch = new SystemEpochNanoClock().nanoTime();
        assertEquals(count, LineGenerator.run(rate, count, out, new SystemEpochNanoClock()));
        final long elapsed = System.nanoTime() - before;
        // line 99 is due 495 ms after the start
        assertTrue(elapsed >= 490_000_000L && elapsed < 1_000_000_000L, "elapsed " + elapsed);
        assertEquals(count, writeTimes.size(), "one write per line");

        final String[] text = lines.toString(StandardCharsets.US_ASCII).split("\n");
        assertEquals(count, text.length);
        final BenchLine.Parsed parsed = new BenchLine.Parsed();
        long previousStamp = beforeEpoch;
        for (int i = 0; i < count; i++)
        {
            final byte[] bytes = text[i].getBytes(StandardCharsets.US_ASCII);
            assertEquals(BenchLine.LENGTH, bytes.length);
            assertTrue(BenchLine.parse(bytes, 0, bytes.length, parsed), text[i]);
            assertEquals(i, parsed.seq);
            assertTrue(parsed.epochNanos >= previousStamp, "stamps do not go back");
            previousStamp = parsed.epochNanos;
            // each line is written no earlier than its due time, and (on a loaded CI box) not far after it
            final long sinceStart = writeTimes.get(i) - before;
            assertTrue(sinceStart >= i * 5_000_000L - 1_000_000L, "line " + i + " early: " + sinceStart);
        }
        final long span = writeTimes.get(count - 1) - writeTimes.get(0);
        assertTrue(span >= 490_000_000L && span < 700_000_000L, "span " + span);
    }

    @Test
    void invocationRunsTheGeneratorWithExec()
    {
        final String invocation = LineGenerator.invocation("/usr/bin/java", "/opt/tern.jar", 20);
        assertTrue(invocation.startsWith("exec /usr/bin/java "), invocation);
        assertTrue(invocation.endsWith(" -cp /opt/tern.jar io.tern.daemon.bench.LineGenerator 20"), invocation);
    }
}
