package io.tern.daemon.lifecycle;

import io.tern.engine.server.ServerState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.tern.engine.server.ServerState.OFFLINE;
import static io.tern.engine.server.ServerState.RUNNING;
import static io.tern.engine.server.ServerState.STARTING;
import static io.tern.engine.server.ServerState.STOPPING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class StateStoreTest
{
    private static final String A = "8d3f3e2a-3b7c-4c1e-9a53-2f1f9b6c7d10";
    private static final String B = "0b6a1c55-9d0e-4f5e-8d4c-2a7e6f1b3c99";
    private static final String C = "f00dfeed-0000-4000-8000-000000000001";

    @TempDir
    Path directory;

    @Test
    void roundTripsEveryStateInWingsShape() throws IOException
    {
        final Path file = directory.resolve(StateStore.FILE_NAME);
        try (StateStore store = new StateStore(file))
        {
            store.record(A, RUNNING);
            store.record(B, OFFLINE);
            store.record(C, STARTING);
            store.flush();

            assertEquals(Map.of(A, RUNNING, B, OFFLINE, C, STARTING), StateStore.load(file));
            assertEquals("{\"" + B + "\":\"offline\",\"" + A + "\":\"running\",\"" + C + "\":\"starting\"}\n",
                Files.readString(file));
            assertFalse(Files.exists(directory.resolve(StateStore.FILE_NAME + ".tmp")), "no temporary file left");
        }
    }

    @Test
    void keepsTheLatestStateAndForgetsRemovedServers()
    {
        final Path file = directory.resolve(StateStore.FILE_NAME);
        try (StateStore store = new StateStore(file))
        {
            store.record(A, STARTING);
            store.record(A, RUNNING);
            store.record(B, STOPPING);
            store.remove(B);
            store.flush();

            assertEquals(Map.of(A, RUNNING), StateStore.load(file));
        }
    }

    @Test
    void startsFromTheSavedStatesSoUnrecordedServersKeepTheirs() throws IOException
    {
        final Path file = directory.resolve(StateStore.FILE_NAME);
        Files.writeString(file, "{\"" + A + "\":\"running\",\"" + B + "\":\"starting\"}");

        try (StateStore store = new StateStore(file))
        {
            assertEquals(Map.of(A, RUNNING, B, STARTING), store.states());
            store.record(B, OFFLINE);
            store.flush();
        }

        assertEquals(Map.of(A, RUNNING, B, OFFLINE), StateStore.load(file));
    }

    @Test
    void writesInTheBackgroundWithoutAFlush()
    {
        final Path file = directory.resolve("data").resolve(StateStore.FILE_NAME);
        try (StateStore store = new StateStore(file))
        {
            store.record(A, RUNNING);

            final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!StateStore.load(file).equals(Map.of(A, RUNNING)))
            {
                if (System.nanoTime() > deadline)
                {
                    fail("the background write did not happen");
                }
                Thread.onSpinWait();
            }
        }
    }

    @Test
    void loadsNothingFromAMissingFile()
    {
        assertEquals(Map.of(), StateStore.load(directory.resolve("missing.json")));
    }

    @Test
    void loadsNothingFromACorruptFile() throws IOException
    {
        final Path file = directory.resolve(StateStore.FILE_NAME);
        final List<String> corrupt = List.of(
            "", "   ", "garbage", "[\"running\"]", "{\"" + A + "\":\"runn", "{\"" + A + "\":\"running\"",
            "{\"" + A + "\" \"running\"}", "\u0000\u0000\u0000", "null");
        for (final String content : corrupt)
        {
            Files.writeString(file, content, StandardCharsets.UTF_8);

            assertEquals(Map.of(), StateStore.load(file), "content: " + content);
        }
        Files.write(file, new byte[]{ (byte)0xff, (byte)0xfe, '{', 0 });
        assertEquals(Map.of(), StateStore.load(file));
    }

    @Test
    void loadsNothingFromADirectory() throws IOException
    {
        final Path file = Files.createDirectory(directory.resolve(StateStore.FILE_NAME));

        assertEquals(Map.of(), StateStore.load(file));
    }

    @Test
    void skipsEntriesThatAreNoState() throws IOException
    {
        final Path file = directory.resolve(StateStore.FILE_NAME);
        Files.writeString(file, "{\"" + A + "\":\"running\",\"" + B + "\":\"installing\",\"" + C + "\":1}");

        assertEquals(Map.of(A, RUNNING), StateStore.load(file));
    }

    @Test
    void replacesACorruptFileOnTheNextChange() throws IOException
    {
        final Path file = directory.resolve(StateStore.FILE_NAME);
        Files.writeString(file, "{\"" + A + "\":\"runn");
        try (StateStore store = new StateStore(file))
        {
            store.record(B, RUNNING);
            store.flush();
        }

        assertEquals(Map.of(B, RUNNING), StateStore.load(file));
    }

    @Test
    void flushReportsAFileThatCannotBeWritten() throws IOException
    {
        final Path notADirectory = Files.writeString(directory.resolve("plain-file"), "x");
        final StateStore store = new StateStore(notADirectory.resolve(StateStore.FILE_NAME));
        store.record(A, RUNNING);

        final UncheckedIOException ex = assertThrows(UncheckedIOException.class, store::flush);

        assertTrue(ex.getMessage().contains(notADirectory.toString()), ex.getMessage());
        assertThrows(UncheckedIOException.class, store::close);
    }

    @Test
    void startsOnBootOnlyWhatWasRunningOrStarting()
    {
        assertTrue(StateStore.shouldStartOnBoot(RUNNING));
        assertTrue(StateStore.shouldStartOnBoot(STARTING));
        assertFalse(StateStore.shouldStartOnBoot(STOPPING));
        assertFalse(StateStore.shouldStartOnBoot(OFFLINE));
        assertFalse(StateStore.shouldStartOnBoot(null));
    }

    @Test
    void escapesKeysItWrites()
    {
        final Map<String, ServerState> odd = Map.of("a\"b\\c\n", RUNNING);

        assertEquals("{\"a\\\"b\\\\c\\n\":\"running\"}\n", new String(StateStore.toJson(odd), StandardCharsets.UTF_8));
    }
}
