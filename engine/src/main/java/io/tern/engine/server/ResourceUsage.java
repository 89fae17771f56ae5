package io.tern.engine.server;

import org.agrona.MutableDirectBuffer;

/**
 * A mutable snapshot of one server's resource usage: the {@code stats} payload of
 * PROTOCOL.md §2.5. Filled by the stats sampler, copied by readers; never shared
 * between threads while being written.
 *
 * <p>{@link #writeJson(MutableDirectBuffer, int)} writes the single struct-order shape that
 * Tern uses for both the broadcast and the {@code send stats} reply (Part I.3 item 8),
 * without allocating.
 */
public final class ResourceUsage
{
    public long memoryBytes;
    public long memoryLimitBytes;
    /** Percent where 100 = one full core. */
    public double cpuAbsolute;
    public long networkRxBytes;
    public long networkTxBytes;
    public long diskReadBytes;
    public long diskWriteBytes;
    /** Milliseconds since the process started. */
    public long uptimeMillis;
    public ServerState state = ServerState.OFFLINE;
    public long diskBytes;

    /**
     * Copies every field of {@code other} into this snapshot.
     *
     * @param other the snapshot to copy.
     * @return this.
     */
    public ResourceUsage copyFrom(final ResourceUsage other)
    {
        memoryBytes = other.memoryBytes;
        memoryLimitBytes = other.memoryLimitBytes;
        cpuAbsolute = other.cpuAbsolute;
        networkRxBytes = other.networkRxBytes;
        networkTxBytes = other.networkTxBytes;
        diskReadBytes = other.diskReadBytes;
        diskWriteBytes = other.diskWriteBytes;
        uptimeMillis = other.uptimeMillis;
        state = other.state;
        diskBytes = other.diskBytes;
        return this;
    }

    /**
     * Zeroes what Wings zeroes when a server goes offline (memory, cpu, network, disk io,
     * uptime); keeps the memory limit and the disk usage.
     *
     * @param newState the state to record.
     * @return this.
     */
    public ResourceUsage resetForState(final ServerState newState)
    {
        memoryBytes = 0;
        cpuAbsolute = 0;
        networkRxBytes = 0;
        networkTxBytes = 0;
        diskReadBytes = 0;
        diskWriteBytes = 0;
        uptimeMillis = 0;
        state = newState;
        return this;
    }

    /**
     * Writes the JSON object in struct order, e.g.
     * {@code {"memory_bytes":0,"memory_limit_bytes":0,"cpu_absolute":0,"network":{"rx_bytes":0,"tx_bytes":0},
     * "disk_io":{"read_bytes":0,"write_bytes":0},"uptime":0,"state":"offline","disk_bytes":0}}.
     *
     * @param buffer where to write; must have room for {@link #MAX_JSON_LENGTH} bytes from {@code offset}.
     * @param offset where to start.
     * @return the number of bytes written.
     */
    public int writeJson(final MutableDirectBuffer buffer, final int offset)
    {
        int i = offset;
        i += buffer.putStringWithoutLengthAscii(i, "{\"memory_bytes\":");
        i += buffer.putLongAscii(i, memoryBytes);
        i += buffer.putStringWithoutLengthAscii(i, ",\"memory_limit_bytes\":");
        i += buffer.putLongAscii(i, memoryLimitBytes);
        i += buffer.putStringWithoutLengthAscii(i, ",\"cpu_absolute\":");
        i += putCpu(buffer, i, cpuAbsolute);
        i += buffer.putStringWithoutLengthAscii(i, ",\"network\":{\"rx_bytes\":");
        i += buffer.putLongAscii(i, networkRxBytes);
        i += buffer.putStringWithoutLengthAscii(i, ",\"tx_bytes\":");
        i += buffer.putLongAscii(i, networkTxBytes);
        i += buffer.putStringWithoutLengthAscii(i, "},\"disk_io\":{\"read_bytes\":");
        i += buffer.putLongAscii(i, diskReadBytes);
        i += buffer.putStringWithoutLengthAscii(i, ",\"write_bytes\":");
        i += buffer.putLongAscii(i, diskWriteBytes);
        i += buffer.putStringWithoutLengthAscii(i, "},\"uptime\":");
        i += buffer.putLongAscii(i, uptimeMillis);
        i += buffer.putStringWithoutLengthAscii(i, ",\"state\":\"");
        i += buffer.putStringWithoutLengthAscii(i, state.wireName());
        i += buffer.putStringWithoutLengthAscii(i, "\",\"disk_bytes\":");
        i += buffer.putLongAscii(i, diskBytes);
        buffer.putByte(i++, (byte)'}');
        return i - offset;
    }

    /** An upper bound on the length of {@link #writeJson(MutableDirectBuffer, int)}'s output. */
    public static final int MAX_JSON_LENGTH = 512;
    /** An upper bound on the length of {@link #writeEscapedJson(byte[], int)}'s output. */
    public static final int MAX_ESCAPED_JSON_LENGTH = 640;

    private static final byte[] E_MEMORY = ascii("{\\\"memory_bytes\\\":");
    private static final byte[] E_LIMIT = ascii(",\\\"memory_limit_bytes\\\":");
    private static final byte[] E_CPU = ascii(",\\\"cpu_absolute\\\":");
    private static final byte[] E_RX = ascii(",\\\"network\\\":{\\\"rx_bytes\\\":");
    private static final byte[] E_TX = ascii(",\\\"tx_bytes\\\":");
    private static final byte[] E_READ = ascii("},\\\"disk_io\\\":{\\\"read_bytes\\\":");
    private static final byte[] E_WRITE = ascii(",\\\"write_bytes\\\":");
    private static final byte[] E_UPTIME = ascii("},\\\"uptime\\\":");
    private static final byte[] E_STATE = ascii(",\\\"state\\\":\\\"");
    private static final byte[] E_DISK = ascii("\\\",\\\"disk_bytes\\\":");
    private static final byte[][] STATE_NAMES = new byte[ServerState.values().length][];

    static
    {
        for (final ServerState state : ServerState.values())
        {
            STATE_NAMES[state.ordinal()] = ascii(state.wireName());
        }
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * Writes the JSON of {@link #writeJson(MutableDirectBuffer, int)} already escaped as the
     * contents of a JSON string (every {@code "} as {@code \"}), so a {@code stats} frame is built
     * without an escape pass: the keys are constant bytes and only the numbers are formatted.
     *
     * @param out    where to write; must have room for {@link #MAX_ESCAPED_JSON_LENGTH} bytes from {@code offset}.
     * @param offset where to start.
     * @return the offset after the last byte written.
     */
    public int writeEscapedJson(final byte[] out, final int offset)
    {
        int i = put(out, offset, E_MEMORY);
        i = putLong(out, i, memoryBytes);
        i = put(out, i, E_LIMIT);
        i = putLong(out, i, memoryLimitBytes);
        i = put(out, i, E_CPU);
        i = putCpu(out, i, cpuAbsolute);
        i = put(out, i, E_RX);
        i = putLong(out, i, networkRxBytes);
        i = put(out, i, E_TX);
        i = putLong(out, i, networkTxBytes);
        i = put(out, i, E_READ);
        i = putLong(out, i, diskReadBytes);
        i = put(out, i, E_WRITE);
        i = putLong(out, i, diskWriteBytes);
        i = put(out, i, E_UPTIME);
        i = putLong(out, i, uptimeMillis);
        i = put(out, i, E_STATE);
        i = put(out, i, STATE_NAMES[state.ordinal()]);
        i = put(out, i, E_DISK);
        i = putLong(out, i, diskBytes);
        out[i++] = '}';
        return i;
    }

    private static int put(final byte[] out, final int offset, final byte[] bytes)
    {
        System.arraycopy(bytes, 0, out, offset, bytes.length);
        return offset + bytes.length;
    }

    /** Decimal, as Agrona's {@code putLongAscii} writes it. */
    private static int putLong(final byte[] out, final int offset, final long value)
    {
        if (value < 0)
        {
            if (value == Long.MIN_VALUE)
            {
                return put(out, offset, ascii(Long.toString(value)));
            }
            out[offset] = '-';
            return putLong(out, offset + 1, -value);
        }
        int digits = 1;
        for (long rest = value / 10; rest != 0; rest /= 10)
        {
            digits++;
        }
        long rest = value;
        for (int d = offset + digits - 1; d >= offset; d--)
        {
            out[d] = (byte)('0' + rest % 10);
            rest /= 10;
        }
        return offset + digits;
    }

    /** {@link #putCpu(MutableDirectBuffer, int, double)} into an array. */
    private static int putCpu(final byte[] out, final int offset, final double cpu)
    {
        final long thousandths = Double.isFinite(cpu) && cpu > 0 ? Math.round(cpu * 1000.0) : 0;
        int i = putLong(out, offset, thousandths / 1000);
        long fraction = thousandths % 1000;
        if (fraction != 0)
        {
            out[i++] = '.';
            int digits = 3;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                digits--;
            }
            for (int d = digits - 1; d >= 0; d--)
            {
                out[i + d] = (byte)('0' + fraction % 10);
                fraction /= 10;
            }
            i += digits;
        }
        return i;
    }

    /** Rounds to three decimals like Wings and writes without exponent or trailing zeros. */
    private static int putCpu(final MutableDirectBuffer buffer, final int offset, final double cpu)
    {
        final long thousandths = Double.isFinite(cpu) && cpu > 0 ? Math.round(cpu * 1000.0) : 0;
        int i = offset;
        i += buffer.putLongAscii(i, thousandths / 1000);
        long fraction = thousandths % 1000;
        if (fraction != 0)
        {
            buffer.putByte(i++, (byte)'.');
            int digits = 3;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                digits--;
            }
            for (int d = digits - 1; d >= 0; d--)
            {
                long div = 1;
                for (int k = 0; k < d; k++)
                {
                    div *= 10;
                }
                buffer.putByte(i++, (byte)('0' + (fraction / div) % 10));
            }
        }
        return i - offset;
    }
}
