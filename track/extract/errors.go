package extract

import "errors"

// Sentinel errors, for errors.Is. Errors from the file system (a full
// disk, a DIR that cannot be created) wrap the os error instead and name
// the file.
var (
	// ErrTooManyOpen: Create was refused because Limits.MaxOpen writers
	// are open. Counted in Stats.RefusedOpen.
	ErrTooManyOpen = errors.New("extract: too many files open")
	// ErrTooManyFiles: Create was refused because Limits.MaxFiles files
	// were created. Counted in Stats.RefusedFiles.
	ErrTooManyFiles = errors.New("extract: file count limit reached")
	// ErrFolderFull: Create was refused because the files hold
	// Limits.MaxTotalBytes. Counted in Stats.RefusedFull.
	ErrFolderFull = errors.New("extract: folder byte limit reached")
	// ErrNameTaken: the name and every counter-suffixed variant tried
	// already exist in DIR. Counted in Stats.RefusedName.
	ErrNameTaken = errors.New("extract: every candidate file name is taken")
	// ErrGapOffset: Gap was given an offset other than the writer's
	// position (Offset), or a negative length.
	ErrGapOffset = errors.New("extract: gap does not start at the writer's position")
	// ErrClosed: the Dir or the Writer is closed.
	ErrClosed = errors.New("extract: closed")
	// ErrLimits: a negative value in Limits.
	ErrLimits = errors.New("extract: negative limit")
)
