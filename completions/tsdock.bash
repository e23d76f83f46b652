# bash completion for tsdock. Install: tsdock completion bash > /etc/bash_completion.d/tsdock
# (or: source <(tsdock completion bash) in ~/.bashrc). With alias docker=tsdock: complete -F _tsdock docker
#
# The words typed so far go to `tsdock internal complete`, which prints one candidate per line
# (a tab and a description may follow) and then a directive: `:files`, `:nospace` or `:`.
_tsdock() {
  local cur words cword
  if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
    _get_comp_words_by_ref -n =: cur words cword
  else
    cur=${COMP_WORDS[COMP_CWORD]} cword=$COMP_CWORD
    words=("${COMP_WORDS[@]}")
  fi
  local prog=${words[0]}
  [[ $prog == *tsdock ]] || prog=tsdock
  local IFS=$'\n' out directive line
  out=($("$prog" internal complete "${words[@]:1:cword}" 2>/dev/null)) || return 0
  [[ ${#out[@]} -gt 0 ]] || return 0
  directive=${out[${#out[@]}-1]}
  unset 'out[${#out[@]}-1]'
  COMPREPLY=()
  for line in "${out[@]}"; do
    line=${line%%$'\t'*}
    # bash splits words at ':' (COMP_WORDBREAKS): give back only what follows the last one typed.
    if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then line=${line#"${cur%:*}:"}; fi
    COMPREPLY+=("$line")
  done
  case $directive in
    :files) COMPREPLY+=($(compgen -f -- "$cur")) ;;
    :nospace) compopt -o nospace 2>/dev/null ;;
  esac
  return 0
}
complete -o default -F _tsdock tsdock
