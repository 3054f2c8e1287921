using System.Text;
using RunDashboard.Core.Ingest.Archives;

namespace RunDashboard.Tests.Ingest.Archives;

public class Crc32CTests
{
    [Fact]
    public void Crc32c_of_the_check_string_is_the_published_value()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Crc32c_of_nothing_is_zero()
    {
        Assert.Equal(0u, Crc32C.Compute([]));
    }

    [Fact]
    public void The_mask_rotates_right_by_15_and_adds_the_tfrecord_constant()
    {
        var crc = Crc32C.Compute(Encoding.ASCII.GetBytes("123456789"));
        Assert.Equal(unchecked(((crc >> 15) | (crc << 17)) + 0xA282EAD8u), Crc32C.Masked(Encoding.ASCII.GetBytes("123456789")));
    }
}
