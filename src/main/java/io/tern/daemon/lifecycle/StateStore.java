package io.tern.daemon.lifecycle;

import io.tern.daemon.json.JsonWriter;

import com.jsoniter.JsonIterator;
import com.jsoniter.ValueType;
import io.tern.engine.server.ServerState;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The last known power state of every server, kept in {@code <system.data>/states.json} so that the
 * next daemon start can start again the servers that were {@code running} or {@code starting}
 * (PROTOCOL.md §6.4), whether the daemon stopped gracefully or not. The file has the shape of Wings'
 * {@code states.json}: one JSON object, server uuid to state name, e.g.
 * {@code {"8d3f3e2a-…":"running"}}.
 *
 * <p>Threads: {@link #record} and {@link #remove} may be called from any thread, including under a
 * server's state lock (a {@code ManagedServer} state listener): they only update the map in memory and
 * wake the writer thread ({@code tern-states}), which writes the latest snapshot; changes that arrive
 * while a write is under way are coalesced into the next one. {@link #flush()} writes on the calling
 * thread and returns once the file holds every change recorded before the call.
 *
 * <p>Every write goes to a temporary file beside the real one, is forced to disk, and is renamed over
 * it with {@code ATOMIC_MOVE}: a crash at any moment leaves the old or the new file, never a torn one.
 */
public final class StateStore implements AutoCloseable
{
    /** The file's name in {@code system.data}. */
    public static final String FILE_NAME = "states.json";

    private static final Logger LOG = Logger.getLogger(StateStore.class.getName());

    private final Path file;
    private final Path temporary;
    /** uuid → state; guarded by itself; sorted so the file is stable. */
    private final Map<String, ServerState> states = new TreeMap<>();
    private final Object writeLock = new Object();
    private final AtomicBoolean writeScheduled = new AtomicBoolean();
    private final ExecutorService writer;
    /** Bumped on every change; guarded by {@link #states}. */
    private long version;
    /** The version the file holds; guarded by {@link #writeLock}. */
    private long writtenVersion;

    /**
     * Opens the store, starting from what {@code file} holds now (see {@link #load}), so that servers
     * not yet recorded by this daemon keep their saved state until recorded or removed. Nothing is
     * written until the first change.
     *
     * @param file the states file, normally {@code <system.data>/}{@link #FILE_NAME}; its directory is
     *             created on the first write when missing.
     */
    public StateStore(final Path file)
    {
        this.file = file;
        this.temporary = file.resolveSibling(file.getFileName() + ".tmp");
        this.states.putAll(load(file));
        this.writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), task ->
        {
            final Thread thread = new Thread(task, "tern-states");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Reads a states file. Never fails: a missing file gives an empty map; an unreadable or corrupt
     * file gives an empty map and a warning naming the file; an entry whose value is not a state name
     * is skipped with a warning.
     *
     * @param file the states file.
     * @return uuid → saved state, modifiable.
     */
    public static Map<String, ServerState> load(final Path file)
    {
        final byte[] bytes;
        try
        {
            bytes = Files.readAllBytes(file);
        }
        catch (final NoSuchFileException ex)
        {
            return new HashMap<>();
        }
        catch (final IOException ex)
        {
            LOG.warning("cannot read the server states file " + file + " (" + ex + "); every server starts offline");
            return new HashMap<>();
        }
        final Map<String, ServerState> loaded = new HashMap<>();
        try
        {
            final JsonIterator json = JsonIterator.parse(bytes);
            if (json.whatIsNext() != ValueType.OBJECT)
            {
                throw new IllegalArgumentException("not a JSON object");
            }
            for (String uuid = json.readObject(); uuid != null; uuid = json.readObject())
            {
                if (json.whatIsNext() != ValueType.STRING)
                {
                    json.skip();
                    LOG.warning("the server states file " + file + " has a non-string state for " + uuid + "; skipped");
                    continue;
                }
                final String name = json.readString();
                final ServerState state = stateNamed(name);
                if (state == null)
                {
                    LOG.warning("the server states file " + file + " has an unknown state '" + name + "' for " + uuid +
                        "; skipped");
                    continue;
                }
                loaded.put(uuid, state);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.warning("the server states file " + file + " is corrupt (" + ex.getMessage() + "); every server starts offline");
            return new HashMap<>();
        }
        return loaded;
    }

    /**
     * @param saved a state loaded from the file, or {@code null} when the server has none.
     * @return true when the server was {@code running} or {@code starting} and must be started at boot.
     */
    public static boolean shouldStartOnBoot(final ServerState saved)
    {
        return saved == ServerState.RUNNING || saved == ServerState.STARTING;
    }

    /**
     * Records a server's state; the file is updated in the background. Cheap, never blocks on I/O.
     *
     * @param uuid  the server.
     * @param state its state.
     */
    public void record(final String uuid, final ServerState state)
    {
        synchronized (states)
        {
            if (states.put(uuid, state) == state)
            {
                return;
            }
            version++;
        }
        scheduleWrite();
    }

    /**
     * Forgets a server (it was deleted); the file is updated in the background. Cheap, never blocks on I/O.
     *
     * @param uuid the server.
     */
    public void remove(final String uuid)
    {
        synchronized (states)
        {
            if (states.remove(uuid) == null)
            {
                return;
            }
            version++;
        }
        scheduleWrite();
    }

    /**
     * @return a copy of the states as recorded now.
     */
    public Map<String, ServerState> states()
    {
        synchronized (states)
        {
            return Collections.unmodifiableMap(new TreeMap<>(states));
        }
    }

    /**
     * Writes the file now, on the calling thread, unless it already holds every recorded change.
     * Blocking.
     *
     * @throws UncheckedIOException when the file cannot be written; it then keeps its previous content.
     */
    public void flush()
    {
        try
        {
            write();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write the server states file " + file + ": " + ex, ex);
        }
    }

    /**
     * Flushes, then stops the writer thread. Later changes are kept in memory only, until {@link #flush()}.
     *
     * @throws UncheckedIOException when the final write fails.
     */
    @Override
    public void close()
    {
        writer.shutdown();
        flush();
    }

    private void scheduleWrite()
    {
        if (!writeScheduled.compareAndSet(false, true))
        {
            return;
        }
        try
        {
            writer.execute(this::writeInBackground);
        }
        catch (final RejectedExecutionException ex)
        {
            writeScheduled.set(false);
        }
    }

    private void writeInBackground()
    {
        // Cleared before the write, so a change made during it schedules the next one.
        writeScheduled.set(false);
        try
        {
            write();
        }
        catch (final IOException ex)
        {
            LOG.log(Level.WARNING, "cannot write the server states file " + file + "; retrying at the next change", ex);
        }
    }

    private void write() throws IOException
    {
        synchronized (writeLock)
        {
            final Map<String, ServerState> snapshot;
            final long snapshotVersion;
            synchronized (states)
            {
                snapshot = new TreeMap<>(states);
                snapshotVersion = version;
            }
            if (snapshotVersion == writtenVersion)
            {
                return;
            }
            writeAtomically(toJson(snapshot));
            writtenVersion = snapshotVersion;
        }
    }

    private void writeAtomically(final byte[] content) throws IOException
    {
        final Path directory = file.toAbsolutePath().getParent();
        if (directory != null)
        {
            Files.createDirectories(directory);
        }
        try (FileChannel channel = FileChannel.open(temporary,
            StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING))
        {
            final ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining())
            {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (directory != null)
        {
            syncDirectory(directory);
        }
    }

    /** Makes the rename itself durable; some platforms cannot open a directory, and then it is skipped. */
    private static void syncDirectory(final Path directory)
    {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ))
        {
            channel.force(true);
        }
        catch (final IOException ex)
        {
            // The file's own content is on disk; only the rename may be lost on a power cut.
        }
    }

    static byte[] toJson(final Map<String, ServerState> states)
    {
        final StringBuilder json = new StringBuilder(2 + states.size() * 52);
        json.append('{');
        boolean first = true;
        for (final Map.Entry<String, ServerState> entry : states.entrySet())
        {
            if (!first)
            {
                json.append(',');
            }
            first = false;
            JsonWriter.appendString(json, entry.getKey());
            json.append(':');
            JsonWriter.appendString(json, entry.getValue().wireName());
        }
        json.append("}\n");
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }


    private static ServerState stateNamed(final String name)
    {
        for (final ServerState state : ServerState.values())
        {
            if (state.wireName().equals(name))
            {
                return state;
            }
        }
        return null;
    }
}
