package io.tern.daemon.bench;

import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.locks.LockSupport;

/**
 * A benchmark game server: a real child process that prints {@link BenchLine}s
 * ({@code seq=<n> t=<epochNanos> <padding>}) on stdout at a fixed rate, for the load generator's
 * realistic run (issue 4). Line {@code n} is due {@code n / rate} seconds after start on the
 * monotonic clock, so the rate does not drift; a line that is late (the process was descheduled)
 * is written as soon as possible, stamped with the time it is actually written, so the stamp is
 * the moment the daemon can first read it. Each line is one {@code write(2)}.
 *
 * <p>{@code java -cp tern.jar io.tern.daemon.bench.LineGenerator <lines/s> [count]}: {@code count}
 * absent or negative = forever. The process exits on SIGTERM, after {@code count} lines, or when a
 * write fails because the reading end of stdout is gone (the daemon died). Stdin is never read.
 */
public final class LineGenerator
{
    private LineGenerator()
    {
    }

    /**
     * @param args {@code <lines/s> [count]}.
     * @throws IOException when stdout is closed.
     */
    public static void main(final String[] args) throws IOException
    {
        if (args.length < 1 || args.length > 2)
        {
            System.err.println("usage: java -cp tern.jar " + LineGenerator.class.getName() + " <lines/s> [count]");
            System.exit(2);
        }
        final double rate = Double.parseDouble(args[0]);
        final long count = args.length > 1 ? Long.parseLong(args[1]) : -1;
        run(rate, count, new FileOutputStream(FileDescriptor.out), new SystemEpochNanoClock());
    }

    /**
     * Writes {@code count} lines at {@code rate} lines/s.
     *
     * @param rate  lines per second, > 0.
     * @param count lines to write; negative = forever.
     * @param out   where lines go, one {@code write} per line including its {@code \n}.
     * @param clock the wall clock the lines are stamped with.
     * @return the number of lines written.
     * @throws IOException when {@code out} fails.
     */
    public static long run(final double rate, final long count, final OutputStream out, final EpochNanoClock clock)
        throws IOException
    {
        if (!(rate > 0))
        {
            throw new IllegalArgumentException("rate must be > 0 lines/s: " + rate);
        }
        final double intervalNanos = 1e9 / rate;
        final byte[] line = new byte[BenchLine.MAX_LENGTH];
        final long start = System.nanoTime();
        long seq = 0;
        while (count < 0 || seq < count)
        {
            final long due = start + (long)(seq * intervalNanos);
            long wait;
            while ((wait = due - System.nanoTime()) > 0)
            {
                LockSupport.parkNanos(wait);
            }
            final int length = BenchLine.format(line, 0, seq, clock.nanoTime());
            line[length] = '\n';
            out.write(line, 0, length + 1);
            out.flush();
            seq++;
        }
        return seq;
    }

    /**
     * The {@code invocation} of a server running this generator: {@code exec java … LineGenerator rate},
     * with a small-footprint JVM (serial GC, C1 only, 16 MiB heap).
     *
     * @param java      the {@code java} executable.
     * @param classPath a class path holding this class (the daemon jar), absolute.
     * @param rate      lines per second.
     * @return the shell command line.
     */
    public static String invocation(final String java, final String classPath, final double rate)
    {
        return "exec " + java + " -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx16m -Xss256k"
            + " -XX:CICompilerCount=1 -XX:ReservedCodeCacheSize=8m -cp " + classPath + " " + LineGenerator.class.getName()
            + " " + (rate == Math.rint(rate) ? Long.toString((long)rate) : Double.toString(rate));
    }
}
