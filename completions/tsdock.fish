# fish completion for tsdock. Install: tsdock completion fish > ~/.config/fish/completions/tsdock.fish
#
# The words typed so far go to `tsdock internal complete`, which prints one candidate per line
# (a tab and a description may follow) and then a directive: `:files`, `:nospace` or `:`.
function __tsdock_complete
    set -l tokens (commandline -opc) (commandline -ct)
    set -l prog $tokens[1]
    string match -q -r 'tsdock$' -- $prog; or set prog tsdock
    set -l out ($prog internal complete $tokens[2..-1] 2>/dev/null)
    if test "$out[-1]" = ":files"
        __fish_complete_path (commandline -ct)
    end
    string match -v -r '^:' -- $out
end
complete -c tsdock -f -a '(__tsdock_complete)'
