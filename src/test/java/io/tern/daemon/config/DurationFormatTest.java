package io.tern.daemon.config;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DurationFormatTest
{
    @Test
    void readsEachUnit()
    {
        assertEquals(500, DurationFormat.parseMillis("500ms", TimeUnit.SECONDS));
        assertEquals(30_000, DurationFormat.parseMillis("30s", TimeUnit.SECONDS));
        assertEquals(600_000, DurationFormat.parseMillis("10m", TimeUnit.SECONDS));
        assertEquals(7_200_000, DurationFormat.parseMillis("2h", TimeUnit.SECONDS));
        assertEquals(86_400_000, DurationFormat.parseMillis("1d", TimeUnit.SECONDS));
    }

    @Test
    void readsSums()
    {
        assertEquals(90_000, DurationFormat.parseMillis("1m30s", TimeUnit.SECONDS));
        assertEquals(1_250, DurationFormat.parseMillis("1s250ms", TimeUnit.SECONDS));
    }

    @Test
    void takesBareNumbersInTheKeysUnit()
    {
        assertEquals(30_000, DurationFormat.parseMillis("30", TimeUnit.SECONDS));
        assertEquals(30, DurationFormat.parseMillis("30", TimeUnit.MILLISECONDS));
        assertEquals(0, DurationFormat.parseMillis(" 0 ", TimeUnit.SECONDS));
    }

    @Test
    void rejectsOtherText()
    {
        for (final String bad : new String[]{"", "s", "-5s", "1.5s", "30 s", "30sec", "10M", "abc", "1m-2s"})
        {
            final IllegalArgumentException ex = assertThrows(
                IllegalArgumentException.class, () -> DurationFormat.parseMillis(bad, TimeUnit.SECONDS), bad);
            assertTrue(ex.getMessage().startsWith("must be a duration such as 500ms, 30s or 10m"), ex.getMessage());
        }
    }

    @Test
    void rejectsOverflow()
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> DurationFormat.parseMillis("9999999999999999d", TimeUnit.SECONDS));
        assertTrue(ex.getMessage().contains("too long"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DurationFormat.parseMillis("99999999999999999999", TimeUnit.SECONDS));
    }

    @Test
    void formatsInTheLargestExactUnit()
    {
        assertEquals("30s", DurationFormat.format(30_000));
        assertEquals("10m", DurationFormat.format(600_000));
        assertEquals("1h", DurationFormat.format(3_600_000));
        assertEquals("1500ms", DurationFormat.format(1_500));
        assertEquals("0ms", DurationFormat.format(0));
    }

    @Test
    void byteSizesTakeBinaryUnits()
    {
        assertEquals(16384, ByteSizeFormat.parse("16384"));
        assertEquals(65536, ByteSizeFormat.parse("64KiB"));
        assertEquals(1 << 20, ByteSizeFormat.parse("1MiB"));
        assertThrows(IllegalArgumentException.class, () -> ByteSizeFormat.parse("64k"));
        assertThrows(IllegalArgumentException.class, () -> ByteSizeFormat.parse("-1"));
        assertEquals("256KiB", ByteSizeFormat.format(262_144));
        assertEquals("1000", ByteSizeFormat.format(1000));
    }
}
