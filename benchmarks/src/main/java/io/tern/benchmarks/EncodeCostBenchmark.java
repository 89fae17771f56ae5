package io.tern.benchmarks;

import io.tern.engine.protocol.Frame;
import io.tern.engine.protocol.FrameEncoder;
import io.tern.engine.protocol.FrameKind;
import io.tern.engine.protocol.FramePool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Where {@link EncodeBenchmark}'s time goes, in nanoseconds per frame: the pool round trip alone
 * ({@code poolRoundTrip}: acquire and release, no bytes written), and encoding an empty arg, 74
 * plain bytes, and the benchmark's 74-byte line with seven escapes. The differences are the
 * header, the word-at-a-time copy, and the escapes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class EncodeCostBenchmark
{
    @Param({"escaped", "plain", "empty"})
    public String line;
    private final FrameEncoder encoder = new FrameEncoder(new FramePool(16));
    private final FramePool pool = new FramePool(16);
    private byte[] arg;

    @Setup
    public void setUp()
    {
        final String text;
        switch (line)
        {
            case "escaped":
                text = "\u001b[32m[12:00:01 INFO]: Player \"Steve\" joined the game <lobby> & said hi\u001b[0m";
                break;
            case "plain":
                text = "x".repeat(74);
                break;
            default:
                text = "";
                break;
        }
        arg = text.getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public int encode()
    {
        final Frame frame = encoder.encode("console output", arg, 0, arg.length, FrameKind.LINE);
        final int length = frame.length();
        frame.release();
        return length;
    }

    @Benchmark
    public int poolRoundTrip()
    {
        final Frame frame = pool.acquire(arg.length * 6 + 64, FrameKind.LINE);
        final int capacity = frame.bytes().length;
        frame.release();
        return capacity;
    }
}
