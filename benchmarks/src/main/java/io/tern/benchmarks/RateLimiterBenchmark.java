package io.tern.benchmarks;

import io.tern.engine.ratelimit.TokenBucket;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * One take from the global limiter's bucket (burst 10, +1 per 200 ms), time moving 50 ms per op so
 * both the allowed and the refused paths run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class RateLimiterBenchmark
{
    private final TokenBucket bucket = new TokenBucket(10, 200_000_000L);
    private long now = 1_000_000_000_000L;

    @Benchmark
    public boolean take()
    {
        now += 50_000_000L;
        final boolean allowed = bucket.tryTake(now);
        if (!allowed)
        {
            bucket.markThrottled();
        }
        return allowed;
    }
}
