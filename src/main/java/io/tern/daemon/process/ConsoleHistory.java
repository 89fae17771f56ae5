package io.tern.daemon.process;

import io.tern.engine.server.ServerControl;

/**
 * The last {@code capacity} console lines of one server, the in-memory stand-in for the Docker log
 * that {@code send logs} tails (PROTOCOL.md §5). Holds every process line, throttled or not, and
 * no daemon lines.
 *
 * <p>One writer (the console reader thread) appends; any thread may replay. Slots are byte arrays
 * that are refilled, not reallocated, unless a line outgrows its slot (or a slot is far larger than
 * the line, so one huge line does not pin memory). Replays copy the lines under the lock and deliver
 * them outside it, so a slow consumer never stalls the reader.
 */
public final class ConsoleHistory
{
    private static final byte[] EMPTY = new byte[0];

    private final byte[][] slots;
    private final int[] lengths;
    private final int capacity;
    private long appended;

    /**
     * @param capacity how many lines to keep ({@code system.websocket_log_count}); 0 keeps none.
     */
    public ConsoleHistory(final int capacity)
    {
        if (capacity < 0)
        {
            throw new IllegalArgumentException("console history capacity must be >= 0: " + capacity);
        }
        this.capacity = capacity;
        this.slots = new byte[capacity][];
        this.lengths = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            slots[i] = EMPTY;
        }
    }

    /**
     * Appends a copy of one line, evicting the oldest when full.
     *
     * @param src    line bytes.
     * @param offset start of the line.
     * @param length length of the line.
     */
    public synchronized void append(final byte[] src, final int offset, final int length)
    {
        if (capacity == 0)
        {
            return;
        }
        final int index = (int)(appended % capacity);
        byte[] slot = slots[index];
        if (slot.length < length || slot.length > 4 * length + 256)
        {
            slot = new byte[length];
            slots[index] = slot;
        }
        System.arraycopy(src, offset, slot, 0, length);
        lengths[index] = length;
        appended++;
    }

    /**
     * Forgets every line, as Wings truncates the container log when the server starts.
     */
    public synchronized void clear()
    {
        appended = 0;
    }

    /**
     * @return how many lines are held.
     */
    public synchronized int size()
    {
        return (int)Math.min(appended, capacity);
    }

    /**
     * Delivers the held lines oldest first, on the calling thread. Allocates one copy per line.
     *
     * @param consumer receives each line.
     */
    public void replay(final ServerControl.HistoryConsumer consumer)
    {
        final byte[][] copies;
        synchronized (this)
        {
            final int size = (int)Math.min(appended, capacity);
            copies = new byte[size][];
            final long first = appended - size;
            for (int i = 0; i < size; i++)
            {
                final int index = (int)((first + i) % capacity);
                final byte[] copy = new byte[lengths[index]];
                System.arraycopy(slots[index], 0, copy, 0, copy.length);
                copies[i] = copy;
            }
        }
        for (final byte[] copy : copies)
        {
            consumer.onLine(copy, 0, copy.length);
        }
    }
}
