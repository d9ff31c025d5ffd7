namespace Flotilla.ControlPlane.Grains;

public enum WorkloadOutcome
{
    Created,
    Updated,
    Unchanged,
    Deleted,
    NotFound,
    AlreadyExists,
    VersionMismatch,
    Invalid,
}
