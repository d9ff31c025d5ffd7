namespace Flotilla.ControlPlane.Hosting;

public enum ControlPlaneMode
{
    Embedded,
    Cluster,
}
