package io.tern.daemon.process;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Measures a server directory for {@code disk_bytes} (PROTOCOL.md §2.5): the apparent size of every
 * regular file below it, symlinks not followed, unreadable entries skipped. Walks the whole tree,
 * so callers cache the result ({@code system.disk_check_interval}) and run it off latency-sensitive
 * threads. Stateless and thread-safe.
 */
public final class DiskUsage
{
    private DiskUsage()
    {
    }

    /**
     * @param directory the directory to measure.
     * @return total bytes of the regular files below it; 0 when it does not exist.
     */
    public static long sizeOf(final Path directory)
    {
        final long[] total = new long[1];
        try
        {
            Files.walkFileTree(directory, new SimpleFileVisitor<>()
            {
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attributes)
                {
                    if (attributes.isRegularFile())
                    {
                        total[0] += attributes.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                public FileVisitResult visitFileFailed(final Path file, final IOException ex)
                {
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        catch (final IOException ex)
        {
            return total[0];
        }
        return total[0];
    }
}
