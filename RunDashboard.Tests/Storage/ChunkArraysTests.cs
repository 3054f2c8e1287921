using RunDashboard.Core.Model;

namespace RunDashboard.Tests.Storage;

/// <summary>A chunk's arrays are reused only once both its readers (series writer and store) let go of it.</summary>
public class ChunkArraysTests
{
    private static SeriesChunk Shared(out long[] steps, out double[] values)
    {
        steps = new long[SeriesChunk.DefaultSize];
        values = new double[SeriesChunk.DefaultSize];
        return SeriesChunk.Shared("train/loss", 0, steps, values, null, 1);
    }

    /// <summary>Rents until the stacks are empty: a fresh array then comes back, never one handed out twice.</summary>
    private static List<long[]> RentAll()
    {
        var rented = new List<long[]>();
        while (true)
        {
            var a = ChunkArrays.RentSteps(SeriesChunk.DefaultSize);
            if (rented.Any(r => ReferenceEquals(r, a))) throw new InvalidOperationException("an array was handed out twice");
            rented.Add(a);
            if (rented.Count > 600) return rented;
        }
    }

    [Fact]
    public void Arrays_come_back_only_after_the_second_release()
    {
        // Other tests import in parallel and share the stacks: look for this chunk's own array among all rented.
        var chunk = Shared(out var steps, out _);

        chunk.Release();
        Assert.DoesNotContain(RentAll(), a => ReferenceEquals(a, steps));

        chunk.Release();
        Assert.Contains(RentAll(), a => ReferenceEquals(a, steps));
    }

    [Fact]
    public void A_chunk_made_by_anyone_else_never_gives_its_arrays_away()
    {
        var steps = new long[SeriesChunk.DefaultSize];
        var chunk = new SeriesChunk("train/loss", 0, steps, new double[SeriesChunk.DefaultSize], null, 1);

        chunk.Release();
        chunk.Release();

        Assert.DoesNotContain(RentAll(), a => ReferenceEquals(a, steps));
    }
}
