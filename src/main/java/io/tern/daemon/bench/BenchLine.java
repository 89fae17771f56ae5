package io.tern.daemon.bench;

/**
 * The benchmark console line that {@link LineGenerator} (a real child process) and
 * {@link SyntheticLineSource} (in the daemon) produce and the load generator parses:
 * {@code seq=<n> t=<epochNanos> <padding>}, {@value #LENGTH} ASCII bytes in all (longer only when
 * the numbers are), nothing that JSON needs to escape. {@code n} counts from 0 per server without
 * gaps; {@code epochNanos} is the wall clock (CLOCK_REALTIME) when the line was produced, so a
 * client on the same machine computes latency as its own wall clock minus it.
 *
 * <p>Formatting and parsing never allocate. Not thread-safe: {@link Parsed} is per caller.
 */
public final class BenchLine
{
    /** The length of a line without its terminator. */
    public static final int LENGTH = 80;
    /** Bytes a caller's buffer needs for one line plus a terminator. */
    public static final int MAX_LENGTH = LENGTH + 48;

    private static final byte[] SEQ = {'s', 'e', 'q', '='};
    private static final byte[] PADDING = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz"
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private BenchLine()
    {
    }

    /**
     * Writes one line (without terminator).
     *
     * @param into       the buffer, at least {@link #MAX_LENGTH} bytes after {@code offset}.
     * @param offset     where the line starts.
     * @param seq        the sequence number, ≥ 0.
     * @param epochNanos the produce time, epoch nanoseconds.
     * @return the line's length.
     */
    public static int format(final byte[] into, final int offset, final long seq, final long epochNanos)
    {
        int position = offset;
        System.arraycopy(SEQ, 0, into, position, SEQ.length);
        position = writeDecimal(into, position + SEQ.length, seq);
        into[position++] = ' ';
        into[position++] = 't';
        into[position++] = '=';
        position = writeDecimal(into, position, epochNanos);
        into[position++] = ' ';
        final int padding = Math.max(1, LENGTH - (position - offset));
        System.arraycopy(PADDING, 0, into, position, padding);
        return position + padding - offset;
    }

    private static int writeDecimal(final byte[] into, final int offset, final long value)
    {
        if (value < 0)
        {
            throw new IllegalArgumentException("negative: " + value);
        }
        int digits = 1;
        for (long rest = value / 10; rest != 0; rest /= 10)
        {
            digits++;
        }
        long rest = value;
        for (int i = offset + digits - 1; i >= offset; i--)
        {
            into[i] = (byte)('0' + rest % 10);
            rest /= 10;
        }
        return offset + digits;
    }

    /**
     * Parses a line that starts at {@code from}.
     *
     * @param bytes the bytes.
     * @param from  where the line (or a {@code console output} argument) starts.
     * @param to    the end, exclusive.
     * @param into  receives the sequence number and the produce time.
     * @return false when the bytes are not a benchmark line (e.g. a daemon notice).
     */
    public static boolean parse(final byte[] bytes, final int from, final int to, final Parsed into)
    {
        if (to - from < SEQ.length + 4)
        {
            return false;
        }
        for (int i = 0; i < SEQ.length; i++)
        {
            if (bytes[from + i] != SEQ[i])
            {
                return false;
            }
        }
        int position = from + SEQ.length;
        long seq = 0;
        int digits = 0;
        while (position < to && bytes[position] >= '0' && bytes[position] <= '9')
        {
            seq = seq * 10 + (bytes[position++] - '0');
            digits++;
        }
        if (digits == 0 || position + 3 > to || bytes[position] != ' ' || bytes[position + 1] != 't' || bytes[position + 2] != '=')
        {
            return false;
        }
        position += 3;
        long time = 0;
        digits = 0;
        while (position < to && bytes[position] >= '0' && bytes[position] <= '9')
        {
            time = time * 10 + (bytes[position++] - '0');
            digits++;
        }
        if (digits == 0)
        {
            return false;
        }
        into.seq = seq;
        into.epochNanos = time;
        return true;
    }

    /** The result of {@link #parse}; reused by its owner. */
    public static final class Parsed
    {
        /** The sequence number. */
        public long seq;
        /** The produce time, epoch nanoseconds. */
        public long epochNanos;
    }
}
