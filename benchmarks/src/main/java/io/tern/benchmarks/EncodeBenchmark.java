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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One 80-byte console line with ANSI escapes and quotes encoded into a pooled
 * {@code console output} frame and released, as the fan-out does per record.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class EncodeBenchmark
{
    private final FrameEncoder encoder = new FrameEncoder(new FramePool(16));
    private final byte[] line = "\u001b[32m[12:00:01 INFO]: Player \"Steve\" joined the game <lobby> & said hi\u001b[0m"
        .getBytes(StandardCharsets.UTF_8);

    @Benchmark
    public int encodeConsoleLine()
    {
        final Frame frame = encoder.encode("console output", line, 0, line.length, FrameKind.LINE);
        final int length = frame.length();
        frame.release();
        return length;
    }
}
