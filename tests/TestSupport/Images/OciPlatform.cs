namespace Flotilla.TestSupport.Images;

/// <summary>The platform an image runs on, as an index's <c>platform</c> field names it.</summary>
public sealed record OciPlatform(string Os, string Architecture);
