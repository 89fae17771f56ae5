package io.tern.daemon.bench;

import io.tern.daemon.config.ConfigException;
import io.tern.daemon.config.ConfigLoader;
import io.tern.daemon.config.PerfProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchConfigTest
{
    @TempDir
    Path directory;

    @Test
    void lineSourceRateIsOffByDefaultAndReadFromBench() throws Exception
    {
        assertEquals(0, load("").benchLineSourceRate());
        assertEquals(20, load("bench:\n  line_source_rate: 20\n").benchLineSourceRate());
        final ConfigException negative = assertThrows(ConfigException.class, () -> load("bench: {line_source_rate: -1}\n"));
        assertTrue(negative.getMessage().contains("bench.line_source_rate"), negative.getMessage());
        assertThrows(ConfigException.class, () -> load("bench: {line_source_rate: fast}\n"));
    }

    private io.tern.daemon.config.DaemonConfig load(final String extra) throws Exception
    {
        final Path file = directory.resolve("config.yml");
        Files.writeString(file, "token: 0123456789abcdef0123456789abcdef\nsystem: {data: " + directory.resolve("data") + "}\n" + extra);
        return ConfigLoader.load(file, PerfProfile.load(PerfProfile.DEFAULT_NAME));
    }
}
