package io.tern.daemon.process;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Resource counters of one process tree read from {@code /proc}, summed over the root and its
 * descendants: resident memory, CPU time and block I/O (PROTOCOL.md Part I.4, §2.5).
 *
 * <ul>
 *     <li>memory: {@code rss} (field 24 of {@code /proc/<pid>/stat}) in pages of {@link #PAGE_SIZE} bytes;</li>
 *     <li>CPU: {@code utime + stime + cutime + cstime} (fields 14 to 17) in ticks of
 *     {@link #CLOCK_TICKS_PER_SECOND} Hz. The children's fields keep the sum from dropping when a
 *     short-lived child is reaped by its parent inside the tree;</li>
 *     <li>I/O: {@code read_bytes} and {@code write_bytes} of {@code /proc/<pid>/io}; a process
 *     whose file cannot be read (EACCES, already exited) contributes nothing.</li>
 * </ul>
 *
 * <p>A filled, not created, snapshot: owned by the stats sampler thread and reused for every
 * sample; the read buffer is preallocated. Opening each {@code /proc} file still allocates a stream,
 * which is fine at one sample per second per server.
 */
public final class ProcessTreeUsage
{
    /** Linux page size assumed for {@code rss}; 4096 on every platform Tern targets. */
    public static final long PAGE_SIZE = 4096;
    /** {@code USER_HZ}; 100 on every Linux platform Tern targets. */
    public static final long CLOCK_TICKS_PER_SECOND = 100;

    private static final byte[] READ_BYTES = "read_bytes:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WRITE_BYTES = "write_bytes:".getBytes(StandardCharsets.US_ASCII);

    private final byte[] buffer = new byte[4096];
    private long rssBytes;
    private long cpuTicks;
    private long readBytes;
    private long writeBytes;
    private int processes;
    private int cursor;
    /** The process table of the current sampling pass: every pid and its parent, or invalid. */
    private long[] tablePids = new long[256];
    private long[] tableParents = new long[256];
    private int tableSize = NO_TABLE;
    private static final int NO_TABLE = -1;
    private static final int TABLE_PENDING = -2;

    /**
     * Replaces the counters with the sums over {@code root} and {@code descendants}.
     *
     * @param root        the root process.
     * @param descendants its descendants, as listed just before.
     */
    public void sample(final ProcessHandle root, final List<ProcessHandle> descendants)
    {
        rssBytes = 0;
        cpuTicks = 0;
        readBytes = 0;
        writeBytes = 0;
        processes = 0;
        addProcess(root.pid());
        for (int i = 0, size = descendants.size(); i < size; i++)
        {
            addProcess(descendants.get(i).pid());
        }
    }

    /**
     * Starts a sampling pass: the first {@link #descendantsOf} of the pass reads the process table
     * ({@link #scanProcessTable()}), the others reuse it, until {@link #forgetProcessTable()}. A
     * pass with no running server reads nothing.
     */
    public void beginPass()
    {
        tableSize = TABLE_PENDING;
    }

    /**
     * Reads every process's parent from {@code /proc} once, for a whole sampling pass: listing one
     * tree's descendants with {@link ProcessHandle#descendants()} scans all of {@code /proc} itself,
     * so a node of 400 servers scanned it 400 times a second (half of the daemon's CPU with 400
     * running servers). Valid until {@link #forgetProcessTable()}.
     */
    public void scanProcessTable()
    {
        tableSize = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc")))
        {
            for (final Path entry : entries)
            {
                final String name = entry.getFileName().toString();
                final long pid = parsePid(name);
                if (pid <= 0)
                {
                    continue;
                }
                final int length = read("/proc/" + name + "/stat");
                final long parent = length > 0 ? parentOf(length) : -1;
                if (parent < 0)
                {
                    continue;
                }
                if (tableSize == tablePids.length)
                {
                    tablePids = Arrays.copyOf(tablePids, tableSize * 2);
                    tableParents = Arrays.copyOf(tableParents, tableSize * 2);
                }
                tablePids[tableSize] = pid;
                tableParents[tableSize] = parent;
                tableSize++;
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            tableSize = NO_TABLE;
        }
    }

    /**
     * Ends the pass: {@link #descendantsOf} scans {@code /proc} itself again.
     */
    public void forgetProcessTable()
    {
        tableSize = NO_TABLE;
    }

    /**
     * Lists the live descendants of {@code root}, from the table of this pass when there is one.
     *
     * @param root the root process.
     * @param out  where the descendants are added.
     */
    public void descendantsOf(final ProcessHandle root, final List<ProcessHandle> out)
    {
        if (tableSize == TABLE_PENDING)
        {
            scanProcessTable();
        }
        if (tableSize == NO_TABLE)
        {
            root.descendants().forEach(out::add);
            return;
        }
        final int first = out.size();
        addChildren(root.pid(), out);
        for (int i = first; i < out.size(); i++)
        {
            addChildren(out.get(i).pid(), out);
        }
    }

    private void addChildren(final long parent, final List<ProcessHandle> out)
    {
        for (int i = 0; i < tableSize; i++)
        {
            if (tableParents[i] == parent)
            {
                ProcessHandle.of(tablePids[i]).ifPresent(out::add);
            }
        }
    }

    private static long parsePid(final String name)
    {
        if (name.isEmpty() || name.length() > 18)
        {
            return -1;
        }
        long pid = 0;
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            if (c < '0' || c > '9')
            {
                return -1;
            }
            pid = pid * 10 + (c - '0');
        }
        return pid;
    }

    /** Field 4 of {@code /proc/<pid>/stat}, counted from the last ')' as comm may hold anything. */
    private long parentOf(final int length)
    {
        if (!seekState(length))
        {
            return -1;
        }
        skipField(length);
        return nextLong(length);
    }

    /**
     * Puts the cursor on field 3 of {@code /proc/<pid>/stat} ("pid (comm) state ppid ..."): comm
     * may hold spaces and parentheses, so count from the last ')'.
     *
     * @return false when the file has no ')'.
     */
    private boolean seekState(final int length)
    {
        for (int i = length - 1; i >= 0; i--)
        {
            if (buffer[i] == ')')
            {
                cursor = i + 2;
                return true;
            }
        }
        return false;
    }

    /**
     * @return summed resident set size in bytes.
     */
    public long rssBytes()
    {
        return rssBytes;
    }

    /**
     * @return summed CPU time in clock ticks, including reaped children.
     */
    public long cpuTicks()
    {
        return cpuTicks;
    }

    /**
     * @return summed bytes read from storage.
     */
    public long readBytes()
    {
        return readBytes;
    }

    /**
     * @return summed bytes written to storage.
     */
    public long writeBytes()
    {
        return writeBytes;
    }

    /**
     * @return how many processes were found alive and counted.
     */
    public int processes()
    {
        return processes;
    }

    private void addProcess(final long pid)
    {
        final String base = "/proc/" + pid;
        final int statLength = read(base + "/stat");
        if (statLength <= 0 || !parseStat(statLength))
        {
            return;
        }
        processes++;
        final int ioLength = read(base + "/io");
        if (ioLength > 0)
        {
            readBytes += valueAfter(READ_BYTES, ioLength);
            writeBytes += valueAfter(WRITE_BYTES, ioLength);
        }
    }

    private boolean parseStat(final int length)
    {
        if (!seekState(length))
        {
            return false;
        }
        int field = 3;
        long ticks = 0;
        while (field < 24)
        {
            if (field >= 14 && field <= 17)
            {
                ticks += nextLong(length);
            }
            else
            {
                skipField(length);
            }
            field++;
        }
        final long rssPages = nextLong(length);
        cpuTicks += Math.max(0, ticks);
        rssBytes += Math.max(0, rssPages) * PAGE_SIZE;
        return true;
    }

    private void skipField(final int length)
    {
        while (cursor < length && buffer[cursor] != ' ')
        {
            cursor++;
        }
        cursor++;
    }

    private long nextLong(final int length)
    {
        boolean negative = false;
        if (cursor < length && buffer[cursor] == '-')
        {
            negative = true;
            cursor++;
        }
        long value = 0;
        while (cursor < length && buffer[cursor] >= '0' && buffer[cursor] <= '9')
        {
            value = value * 10 + (buffer[cursor] - '0');
            cursor++;
        }
        skipField(length);
        return negative ? -value : value;
    }

    /** Parses the number after {@code key} at the start of a line, e.g. {@code read_bytes: 4096}. */
    private long valueAfter(final byte[] key, final int length)
    {
        int lineStart = 0;
        while (lineStart < length)
        {
            if (startsWith(lineStart, length, key))
            {
                cursor = lineStart + key.length;
                while (cursor < length && buffer[cursor] == ' ')
                {
                    cursor++;
                }
                return nextLong(length);
            }
            while (lineStart < length && buffer[lineStart] != '\n')
            {
                lineStart++;
            }
            lineStart++;
        }
        return 0;
    }

    private boolean startsWith(final int offset, final int length, final byte[] key)
    {
        if (offset + key.length > length)
        {
            return false;
        }
        for (int i = 0; i < key.length; i++)
        {
            if (buffer[offset + i] != key[i])
            {
                return false;
            }
        }
        return true;
    }

    private int read(final String path)
    {
        try (FileInputStream in = new FileInputStream(path))
        {
            int total = 0;
            int n;
            while (total < buffer.length && (n = in.read(buffer, total, buffer.length - total)) > 0)
            {
                total += n;
            }
            return total;
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }
}
