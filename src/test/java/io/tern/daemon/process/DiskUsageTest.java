package io.tern.daemon.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DiskUsageTest
{
    @TempDir
    Path directory;

    @Test
    void sumsRegularFilesBelowTheDirectory() throws IOException
    {
        Files.write(directory.resolve("a.bin"), new byte[1000]);
        Files.createDirectories(directory.resolve("world/region"));
        Files.write(directory.resolve("world/region/r.0.0.mca"), new byte[4096]);
        Files.createSymbolicLink(directory.resolve("link"), directory.resolve("a.bin"));

        assertEquals(5096, DiskUsage.sizeOf(directory));
    }

    @Test
    void missingDirectoryIsEmpty()
    {
        assertEquals(0, DiskUsage.sizeOf(directory.resolve("missing")));
    }
}
